"""Request-wide behaviour: request ids for the logs, the login requirement, the language, the reader.

LOGGING loads ``RequestIdFilter`` from here before the apps are ready, so nothing at module level may
import models (``redirect_to_login`` is imported where it is used).
"""

import logging
import re
import uuid
from contextvars import ContextVar

from django.conf import settings
from django.core.signals import request_finished
from django.urls import resolve

# The id of the request being served on this thread; "-" outside one (the worker, a command).
request_id: ContextVar[str] = ContextVar("request_id", default="-")

# A proxy's or client's id is kept only if it cannot break a log line or a header.
ACCEPTED_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


class RequestIdMiddleware:
    """Takes the request's ``X-Request-ID`` (or makes one), answers with it and puts it on every log record.

    The id stays set until the response is closed, so Django's own "Not Found" and error lines, written
    after the middleware returns, carry it too.
    """

    header = "X-Request-ID"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get(self.header, "")
        value = given if ACCEPTED_REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        request.request_id = value
        request_id.set(value)
        response = self.get_response(request)
        response[self.header] = value
        return response


def _forget_request_id(**kwargs):
    request_id.set("-")


request_finished.connect(_forget_request_id, dispatch_uid="core.middleware.forget_request_id")


class RequestIdFilter(logging.Filter):
    """Adds ``record.request_id`` (the current request's id, or "-") for the formatters."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


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
                from django.contrib.auth.views import redirect_to_login

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


class ReaderMiddleware:
    """Figures of the request are written in its user's number style (see :mod:`core.formatting`).

    The user is looked up only when a figure is first written, so a page without figures costs nothing.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from core.formatting import reading_as

        with reading_as(request.user):
            return self.get_response(request)
