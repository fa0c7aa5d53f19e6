from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.urls import resolve


class LoginRequiredMiddleware:
    """Every page needs a signed-in user, except those under the allow-list (login, static, i18n)."""

    OPEN_URL_NAMES = {"login", "set_language", "healthz"}
    OPEN_PREFIXES = ("/static/", "/admin/login/", "/i18n/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.user.is_authenticated and not request.path.startswith(self.OPEN_PREFIXES):
            match = resolve(request.path_info) if request.path_info else None
            if match is None or match.url_name not in self.OPEN_URL_NAMES:
                return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        return self.get_response(request)


class IgnoreBrowserLanguageMiddleware:
    """pcc speaks Spanish until the user picks another language with the switcher (kept in a cookie).

    Browsers in the field are often set to English even for Spanish-speaking users, and the
    programme's documents are Spanish, so the Accept-Language header is not used.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
