"""Settings for pcc, configured from the environment (see README)."""

import sys
from datetime import timedelta
from pathlib import Path

from csp import constants as csp
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from pcc.env import read_bool, read_database, read_int, read_list, read_proxy_ssl_header

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

TESTING = "pytest" in sys.modules
DEBUG = read_bool("DEBUG", False)
PRODUCTION = not DEBUG and not TESTING

import os  # noqa: E402

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not (DEBUG or TESTING):
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"

ALLOWED_HOSTS = read_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG or TESTING else [])
CSRF_TRUSTED_ORIGINS = read_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "djmoney",
    "simple_history",
    "rules.apps.AutodiscoverRulesConfig",
    "import_export",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "csp",
    "core",
    "agreements",
    "imports",
    "reconciliation",
    "budgets",
    "results",
    "finance",
    "reports",
]

MIDDLEWARE = [
    # First, so every log line of the request, even of a redirect, carries its id.
    "core.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Right after SecurityMiddleware, as WhiteNoise asks: static files skip the rest of the stack.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.middleware.IgnoreBrowserLanguageMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Figures in the signed-in user's number style (core.formatting).
    "core.middleware.ReaderMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "core.middleware.LoginRequiredMiddleware",
    # Last, as django-axes asks: it turns a locked-out login (any view calling authenticate) into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "pcc.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "pcc.context_processors.navigation",
            ],
            "builtins": ["core.templatetags.pcc"],
        },
    },
]

WSGI_APPLICATION = "pcc.wsgi.application"

DATABASES = {
    "default": read_database("DATABASE_URL", f"sqlite:///{VAR_DIR / 'pcc.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(exist_ok=True)
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = read_int("CONN_MAX_AGE", 0)

AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    # First, so a locked-out username+address is refused before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "agreements:programme_list"
LOGOUT_REDIRECT_URL = "login"

# Brute-force protection (django-axes) for the site's and the admin's login. Failures are counted per
# username *and* address: someone guessing a colleague's password from the same office cannot lock the
# others out, and a guesser elsewhere cannot lock the real user out. Each attempt during the lockout
# restarts the cool-off (django-axes' default), so "locked for N minutes" holds from the last attempt.
AXES_FAILURE_LIMIT = read_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=read_int("LOGIN_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False  # no log line for every successful login and logout

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LANGUAGE_CODE = "es"
LANGUAGES = [("es", _("Spanish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "America/Lima"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
# In production `collectstatic` writes hashed, compressed copies that WhiteNoise serves with a far-future
# Cache-Control; development and tests read the files where they are (no collectstatic, no manifest).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
# Looks files up per request instead of indexing STATIC_ROOT at start, which need not exist outside production.
WHITENOISE_AUTOREFRESH = not PRODUCTION
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
if TESTING and "MEDIA_ROOT" not in os.environ:
    # Each test process has its own uploads, so two suites side by side never share a staged file.
    import tempfile

    MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="pcc-test-media-"))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Money: one project-wide choice; conversions only through core.money.convert.
CURRENCIES = ("CHF", "USD", "PEN", "EUR")
CURRENCY_CHOICES = [("CHF", "CHF"), ("USD", "US$"), ("PEN", "S/"), ("EUR", "EUR")]
DEFAULT_CURRENCY = "CHF"
AUTO_CONVERT_MONEY = False

# What users type and files hold (core.validators): dates outside these years are refused as typing errors
# (year 1, 9999), free texts (narratives, comments) longer than this many characters are refused. The text
# limit is the import's cell limit by default, so whatever a form stores an export can import again.
PCC_DATE_MIN_YEAR = read_int("PCC_DATE_MIN_YEAR", 1990, minimum=1)
PCC_DATE_MAX_YEAR = read_int("PCC_DATE_MAX_YEAR", 2100, minimum=PCC_DATE_MIN_YEAR)
PCC_TEXT_MAX_CHARS = read_int("PCC_TEXT_MAX_CHARS", 10_000, minimum=1)

# Background jobs (large imports, PDF reports) through Django's tasks API; the database backend needs no extra
# server (run `python manage.py db_worker`). Tests run tasks immediately.
TASKS = {
    "default": {
        "BACKEND": os.environ.get(
            "TASKS_BACKEND",
            "django_tasks.backends.immediate.ImmediateBackend"
            if TESTING
            else "django_tasks_db.DatabaseBackend",
        )
    }
}

# Imports write new rows and their history with COPY on PostgreSQL (off: Django's bulk_create).
PCC_IMPORT_COPY = read_bool("PCC_IMPORT_COPY", True)
# The largest spreadsheet an import accepts, in bytes (core.spreadsheets refuses bigger uploads).
PCC_IMPORT_MAX_BYTES = read_int("PCC_IMPORT_MAX_BYTES", 50 * 1024 * 1024, minimum=1)
# What a reasonable spreadsheet holds: a file past one of these is refused, with the place and the limit,
# before the part that breaks it is read (core.spreadsheets.readers). Each bounds the work one upload costs.
PCC_IMPORT_MAX_UNPACKED_BYTES = read_int("PCC_IMPORT_MAX_UNPACKED_BYTES", 512 * 1024 * 1024, minimum=1)
# XLSX and ODS parts unpack to 10-20 times their packed size (row numbers in every cell see to that);
# hundreds of times is a "zip bomb". Parts that unpack to less than 1 MiB are not measured.
PCC_IMPORT_MAX_UNPACK_RATIO = read_int("PCC_IMPORT_MAX_UNPACK_RATIO", 100, minimum=1)
# openpyxl reads an XLSX's shared strings whole, before the first row, so their size is checked first.
PCC_IMPORT_MAX_SHARED_STRINGS_BYTES = read_int(
    "PCC_IMPORT_MAX_SHARED_STRINGS_BYTES", 128 * 1024 * 1024, minimum=1
)
PCC_IMPORT_MAX_ROWS = read_int("PCC_IMPORT_MAX_ROWS", 1_000_000, minimum=1)
PCC_IMPORT_MAX_COLUMNS = read_int("PCC_IMPORT_MAX_COLUMNS", 200, minimum=1)
PCC_IMPORT_MAX_CELL_CHARS = read_int("PCC_IMPORT_MAX_CELL_CHARS", 10_000, minimum=1)
# A value after this many blank rows is refused: notes or a second table below the data are not rows.
PCC_IMPORT_MAX_BLANK_ROWS = read_int("PCC_IMPORT_MAX_BLANK_ROWS", 100, minimum=1)
# An ODS row repeated more often than this (table:number-rows-repeated, a value in it) is refused.
PCC_IMPORT_MAX_REPEATED_ROWS = read_int("PCC_IMPORT_MAX_REPEATED_ROWS", 1_000, minimum=1)
# Errors kept to show per import; all are counted, and the one that refused the file is always first.
PCC_IMPORT_MAX_ERRORS_SHOWN = read_int("PCC_IMPORT_MAX_ERRORS_SHOWN", 500, minimum=1)

# /healthz reports the task worker missing when tasks have waited this long and it has touched none since.
WORKER_STALE_SECONDS = read_int("WORKER_STALE_SECONDS", 600, minimum=1)

# PDF reports are kept (and handed out again while their figures are unchanged) this many days.
REPORT_FILES_MAX_AGE_DAYS = read_int("REPORT_FILES_MAX_AGE_DAYS", 7)
# A background job (import, PDF report) with no sign of life for this long is taken as lost: its worker died
# (core/jobs.py). Imports write a heartbeat every batch, a PDF only when it starts.
JOB_STALLED_AFTER_SECONDS = read_int("JOB_STALLED_AFTER_SECONDS", 900, minimum=1)
# PDF reports one user may have waiting or being prepared at once; asking for another is refused until one ends.
REPORT_JOBS_PER_USER = read_int("REPORT_JOBS_PER_USER", 3, minimum=1)

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "pcc@localhost")

SESSION_COOKIE_SECURE = read_bool("SECURE_COOKIES", PRODUCTION)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True

# HTTPS. Behind a TLS-terminating proxy set SECURE_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO (and make the
# proxy overwrite that header), or every request looks like plain HTTP and is redirected forever.
SECURE_PROXY_SSL_HEADER = read_proxy_ssl_header("SECURE_PROXY_SSL_HEADER")
SECURE_SSL_REDIRECT = read_bool("SECURE_SSL_REDIRECT", PRODUCTION)
# The load balancer's probe speaks plain HTTP to the app.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = read_int("SECURE_HSTS_SECONDS", 31536000 if PRODUCTION else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = read_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", PRODUCTION)
# Asking browsers to hard-code HTTPS for the domain is hard to undo: opt in (README).
SECURE_HSTS_PRELOAD = read_bool("SECURE_HSTS_PRELOAD", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp): everything from this site, no inline script or style (the pages'
# scripts are files under static/pcc/; a page that really needs an inline one uses request.csp_nonce).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp.SELF],
        "script-src": [csp.SELF],
        "style-src": [csp.SELF],
        "img-src": [csp.SELF, "data:"],
        "object-src": [csp.NONE],
        "base-uri": [csp.SELF],
        "form-action": [csp.SELF],
        "frame-ancestors": [csp.NONE],
    }
}

# Logs go to the console with a timestamp and the request's id ("-" outside a request); LOG_FORMAT=json
# writes one JSON object a line for a log collector.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text").strip().lower()
if LOG_FORMAT not in {"text", "json"}:
    raise ImproperlyConfigured(f"Environment variable LOG_FORMAT={LOG_FORMAT!r} must be 'text' or 'json'.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "core.middleware.RequestIdFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["request_id"]},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # WeasyPrint logs every layout step at INFO.
    "loggers": {
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # django-axes logs every successful login and logout at INFO.
        "axes": {"level": "WARNING"},
    },
}

# Each app's fixture loader, run in this order by `manage.py load_programme FOLDER`.
PCC_LOADERS = [
    "agreements.loader.load",
    "budgets.loader.load",
    "results.loader.load",
    "finance.versions.load",
]
# Called with (programme, cause, changed=<whether the load wrote anything>) once every loader is done, in the
# load's transaction.
PCC_AFTER_LOAD = [
    "reconciliation.services.figures_changed",
]

# Error reporting, only when SENTRY_DSN is set (needs the "sentry" extra: pip install -e ".[sentry]").
SENTRY_DSN = os.environ.get("SENTRY_DSN", "").strip()
if SENTRY_DSN:
    try:
        import sentry_sdk
        from sentry_sdk.integrations.django import DjangoIntegration
    except ImportError:
        raise ImproperlyConfigured(
            'SENTRY_DSN is set but sentry-sdk is not installed: pip install -e ".[sentry]".'
        ) from None
    sentry_sdk.init(
        dsn=SENTRY_DSN,
        integrations=[DjangoIntegration()],
        environment=os.environ.get("SENTRY_ENVIRONMENT", "production"),
        # No user names, addresses or cookies leave the server.
        send_default_pii=False,
        traces_sample_rate=0.0,
    )
