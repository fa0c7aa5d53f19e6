"""What the header offers a user, asked of :mod:`agreements.access` only when a template reads it."""

from __future__ import annotations

from django.utils.functional import SimpleLazyObject

from agreements import access


def _nav(user) -> dict[str, bool]:
    if not user.is_authenticated:
        return {}
    from core.imports import importers_for

    return {
        "review": access.is_staff_anywhere(user),
        "dashboards": access.reads_whole_programmes(user),
        "imports": bool(importers_for(user)),
        "admin": access.is_site_administrator(user),
    }


def navigation(request) -> dict:
    return {"nav": SimpleLazyObject(lambda: _nav(request.user))}
