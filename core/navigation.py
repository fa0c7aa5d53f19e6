"""Where a page sends the user after an action."""

from __future__ import annotations

from django.utils.http import url_has_allowed_host_and_scheme


def next_url(request, fallback: str) -> str:
    """The ``next`` the page posted (or was linked with), so that an action returns to the list it came
    from with its filters and page; ``fallback`` when there is none or it leads off this site."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return fallback
