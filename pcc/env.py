"""Strict readers for settings taken from the environment.

django-environ parses URLs well but silently turns an unknown boolean into
False; a misspelt ``DEBUG=ture`` in production must stop the process instead.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

import environ
from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


def read_bool(name: str, default: bool, environ_: Mapping[str, str] | None = None) -> bool:
    source = os.environ if environ_ is None else environ_
    if name not in source:
        return default
    raw = source[name].strip().lower()
    if raw in TRUE_WORDS:
        return True
    if raw in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(
        f"Environment variable {name}={source[name]!r} is not a boolean; "
        f"expected one of {sorted(TRUE_WORDS | FALSE_WORDS - {''})}."
    )


def read_int(
    name: str, default: int, environ_: Mapping[str, str] | None = None, *, minimum: int | None = None
) -> int:
    source = os.environ if environ_ is None else environ_
    if name not in source:
        return default
    try:
        value = int(source[name])
    except ValueError:
        raise ImproperlyConfigured(
            f"Environment variable {name}={source[name]!r} is not a whole number."
        ) from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(
            f"Environment variable {name}={source[name]!r} must be at least {minimum}."
        )
    return value


def read_list(name: str, default: list[str], environ_: Mapping[str, str] | None = None) -> list[str]:
    source = os.environ if environ_ is None else environ_
    if name not in source:
        return default
    return [item.strip() for item in source[name].split(",") if item.strip()]


def read_proxy_ssl_header(name: str, environ_: Mapping[str, str] | None = None) -> tuple[str, str] | None:
    """The request header (as Django names it in ``request.META``) by which a TLS proxy says "https".

    Off unless set: trusting the header when no proxy strips it from clients would let anyone claim
    a secure connection.
    """
    source = os.environ if environ_ is None else environ_
    raw = source.get(name, "").strip()
    if not raw:
        return None
    if not re.fullmatch(r"HTTP_[A-Z0-9_]+", raw):
        raise ImproperlyConfigured(
            f"Environment variable {name}={source[name]!r} is not a request header name; "
            "expected e.g. HTTP_X_FORWARDED_PROTO."
        )
    return (raw, "https")


def read_database(name: str, default: str, environ_: Mapping[str, str] | None = None) -> dict:
    source = os.environ if environ_ is None else environ_
    url = source.get(name) or default
    scheme = url.split("://", 1)[0] if "://" in url else ""
    if scheme not in environ.Env.DB_SCHEMES:
        raise ImproperlyConfigured(
            f"Environment variable {name}={url!r} is not a database URL; expected e.g. "
            "postgres://user@host:5432/name or sqlite:////absolute/path.db "
            f"(known schemes: {', '.join(sorted(environ.Env.DB_SCHEMES))})."
        )
    config = environ.Env.db_url_config(url)
    if not config.get("NAME"):
        raise ImproperlyConfigured(f"Environment variable {name}={url!r} names no database.")
    return config
