"""The search page behind the search box of every page's header (see :mod:`reports.search`)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_safe

from reports.search import MAX_QUERY_LENGTH, MIN_QUERY_LENGTH, is_too_short, search

HITS_PER_PAGE = 20


@login_required
@require_safe
def search_page(request):
    """Each kind of hit is paged on its own (``activities_page``, ``lines_page`` …), keeping the others."""
    query = " ".join(request.GET.get("q", "").split())[:MAX_QUERY_LENGTH]
    groups = []
    too_short = is_too_short(query)
    if not too_short:
        groups = search(request.user, query)
        for group in groups:
            group.param = f"{group.kind}_page"
            group.page = Paginator(group.keys, HITS_PER_PAGE).get_page(request.GET.get(group.param))
            group.page.object_list = group.load(list(group.page.object_list))
            others = request.GET.copy()
            others.pop(group.param, None)
            group.query = others.urlencode()
    return render(
        request,
        "reports/search.html",
        {
            "search_query": query,
            "too_short": bool(query) and too_short,
            "min_length": MIN_QUERY_LENGTH,
            "groups": groups,
            "hits": sum(len(group.keys) for group in groups),
        },
    )
