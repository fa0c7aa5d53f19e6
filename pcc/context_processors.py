"""What the header offers a user (the site's, above every app), asked only when a template reads it."""

from __future__ import annotations

from django.utils.functional import SimpleLazyObject

from agreements import access
from imports.registry import importers_for


def _nav(user) -> dict[str, bool]:
    if not user.is_authenticated:
        return {}
    return {
        "review": access.is_staff_anywhere(user),
        "dashboards": access.reads_whole_programmes(user),
        "imports": bool(importers_for(user)),
        "admin": access.is_site_administrator(user),
    }


def navigation(request) -> dict:
    return {"nav": SimpleLazyObject(lambda: _nav(request.user))}
