import datetime

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from agreements import terms
from agreements.access import get_document_for_user_or_404, get_programme_for_user_or_404
from agreements.models import Agreement, Amendment, Programme

PROGRAMMES_PER_PAGE = 25


@login_required
@require_safe
def programme_list(request):
    programmes = (
        Programme.objects.for_user(request.user)
        .annotate(agreement_count=Count("agreements", distinct=True))
        .prefetch_related("phases")
        .order_by("code")
    )
    page = Paginator(programmes, PROGRAMMES_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "agreements/programme_list.html", {"programmes": page, "page": page})


@login_required
@require_safe
def programme_detail(request, code: str):
    programme, _staff = get_programme_for_user_or_404(request.user, code)
    context = {
        "programme": programme,
        "phases": programme.phases.all(),
        "components": programme.components.select_related("parent"),
        "participants": programme.participants.select_related("organisation").order_by(
            "role", "organisation__acronym"
        ),
        "agreements": programme.agreements.select_related("phase").prefetch_related("amendments"),
    }
    return render(request, "agreements/programme_detail.html", context)


def _as_of(request) -> tuple[datetime.date, str]:
    raw = request.GET.get("as_of", "")
    if raw:
        try:
            return datetime.date.fromisoformat(raw), ""
        except ValueError:
            return timezone.localdate(), _(
                "“%(value)s” is not a date (expected YYYY-MM-DD); showing today."
            ) % {"value": raw}
    return timezone.localdate(), ""


@login_required
@require_safe
def agreement_detail(request, code: str, agreement_code: str):
    programme, _staff = get_programme_for_user_or_404(request.user, code)
    agreement = get_object_or_404(
        Agreement.objects.filter(programme=programme)
        .select_related("programme", "phase", "national_counterpart", "exchange_rate", "document")
        .prefetch_related(
            "ceilings",
            "parties__organisation",
            Prefetch(
                "amendments",
                queryset=Amendment.objects.order_by("sequence").prefetch_related(
                    "ceiling_changes", "articles", "signatories__organisation"
                ),
            ),
        ),
        code=agreement_code,
    )
    as_of, as_of_error = _as_of(request)
    context = {
        "programme": programme,
        "agreement": agreement,
        "as_of": as_of,
        "as_of_error": as_of_error,
        "terms": terms.consolidated_terms(agreement, as_of),
        "original_ceilings": terms.original_ceilings(agreement),
        "findings": terms.consistency_findings(agreement),
        "document": agreement.document,
    }
    return render(request, "agreements/agreement_detail.html", context)


@login_required
@require_safe
def document(request, code: str):
    """The source text with numbered, linkable lines (``#L214``), so a flagged figure can be traced.

    Open to the participants of the programmes that cite it; lines the programme keeps from a partner
    (other partners' table rows) are shown as withheld, keeping the numbering.
    """
    view, _can_write = get_document_for_user_or_404(request.user, code)
    doc, hidden = view.document, view.hidden_lines
    highlight = {int(n) for n in request.GET.get("lines", "").split(",") if n.isdigit()}
    lines = [
        (i, None if i in hidden else text, i in highlight)
        for i, text in enumerate(doc.text.splitlines(), start=1)
    ]
    return render(
        request, "agreements/document.html", {"document": doc, "lines": lines, "hidden_count": len(hidden)}
    )
