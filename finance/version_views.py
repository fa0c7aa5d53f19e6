"""Pages of the budget versions: the grid as of a date, one version with its lines, a reallocation form,
approval and rejection. Every view fetches through an access helper (:mod:`agreements.access`,
:func:`agreements.access.get_version_for_user_or_404`); every change goes through :mod:`finance.versions`,
which checks the permission again."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from agreements import access
from budgets.models import BudgetTable
from core import formatting
from core.forms import DecimalTextField, IsoDateInput
from core.numbers import number_style
from finance import versions
from finance.models import BudgetVersionStatus

PER_PAGE = 50


class AsOfForm(forms.Form):
    as_of = forms.DateField(label=gettext_lazy("Budget as of"), required=False, widget=IsoDateInput)


class DecisionForm(forms.Form):
    comment = forms.CharField(
        label=gettext_lazy("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class ReallocationForm(forms.Form):
    """Money moved between the lines of one table in one currency: a change per line, adding up to zero."""

    title = forms.CharField(label=gettext_lazy("Title"), max_length=255, required=False)
    effective_date = forms.DateField(label=gettext_lazy("Effective from"), widget=IsoDateInput)
    reason = forms.CharField(label=gettext_lazy("Reason"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, lines, number_format: str = "pe", **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = lines
        example = number_style(number_format).example
        for row, _budget in lines:
            self.fields[f"move_{row.pk}"] = DecimalTextField(
                label=_("Change of line %(line)s") % {"line": row.line},
                number_format=number_format,
                max_digits=19,
                decimal_places=2,
                required=False,
                help_text=_("numbers written as %(example)s; a reduction with a minus sign")
                % {"example": example},
            )

    def rows(self):
        for row, budget in self.lines:
            yield row, budget, self[f"move_{row.pk}"]

    def moves(self) -> dict[int, object]:
        return {
            row.pk: self.cleaned_data[f"move_{row.pk}"]
            for row, _budget in self.lines
            if self.cleaned_data.get(f"move_{row.pk}")
        }


def _error_messages(request, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def _may_propose(user, programme) -> bool:
    allowed = versions.reallocation_partners(user, programme)
    return allowed is None or bool(allowed)


@login_required
@require_safe
def version_grid(request, code: str):
    """The budget as of a date: original, amendments, reallocations and revised per line and currency,
    and the programme's versions the user may see, a page at a time."""
    programme, _is_staff = access.get_programme_for_user_or_404(request.user, code)
    form = AsOfForm(request.GET or None)
    as_of = timezone.localdate()
    if form.is_valid() and form.cleaned_data["as_of"]:
        as_of = form.cleaned_data["as_of"]
    elif form.is_bound and not form.is_valid():
        messages.error(request, _("Expected a date YYYY-MM-DD: the budget is shown as of today."))
    listed = (
        access.budget_versions(request.user)
        .filter(programme=programme)
        .select_related("created_by", "decided_by", "partner")
        .order_by("-effective_date", "-number")
    )
    page = Paginator(listed, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "finance/versions.html",
        {
            "programme": programme,
            "grid": versions.grid(programme, as_of, user=request.user),
            "as_of": as_of,
            "form": AsOfForm(initial={"as_of": as_of}),
            "page": page,
            "threshold": programme.variance_threshold_percent,
            "may_propose": _may_propose(request.user, programme),
            "statuses": BudgetVersionStatus,
        },
    )


@login_required
@require_safe
def version_detail(request, pk: int):
    version, can_review = access.get_version_for_user_or_404(request.user, pk)
    lines = (
        access.budget_version_lines(request.user)
        .filter(version=version)
        .select_related("budget_row__table__document", "source_fact")
        .defer("budget_row__table__document__text")
    )
    return render(
        request,
        "finance/versions_detail.html",
        {
            "version": version,
            "programme": version.programme,
            "lines": lines,
            "can_decide": can_review
            and version.status == BudgetVersionStatus.PROPOSED
            and request.user.pk != version.created_by_id,
            "decision_form": DecisionForm(),
            "changes": version.status_changes.select_related("user").order_by("pk"),
        },
    )


def _movable_lines(user, programme, table, currency: str, on):
    """The lines of ``table`` ``user`` may move money between, with their budget in ``currency``."""
    allowed = versions.reallocation_partners(user, programme)
    rows = table.rows.order_by("order")
    if allowed is not None:
        rows = rows.filter(partner_id__in=allowed)
    budget = versions.consolidated(programme, on, rows=rows.values_list("pk", flat=True))
    return [(row, budget[row.pk][currency]) for row in rows if currency in budget.get(row.pk, {})]


@login_required
def reallocation_create(request, code: str):
    """Move money between the lines of one table, in one currency (``?table=<code>&currency=CHF``)."""
    programme, _is_staff = access.get_programme_for_user_or_404(request.user, code)
    if not _may_propose(request.user, programme):
        raise PermissionDenied
    lines_of_user = access.budget_version_lines(request.user).filter(version__programme=programme)
    tables = BudgetTable.objects.filter(
        pk__in=lines_of_user.values("budget_row__table_id"), programme=programme
    ).order_by("order")
    currencies = sorted(set(lines_of_user.values_list("delta_currency", flat=True).distinct()))
    table = tables.filter(code=request.GET.get("table", "")).first() or tables.first()
    if table is None:
        raise Http404
    currency = request.GET.get("currency", programme.binding_currency)
    if currency not in currencies:
        currency = programme.binding_currency
    today = timezone.localdate()
    lines = _movable_lines(request.user, programme, table, currency, today)
    form = ReallocationForm(
        request.POST or None,
        lines=lines,
        number_format=formatting.style_of(request.user),
        initial={"effective_date": today},
    )
    if request.method == "POST" and form.is_valid():
        try:
            version = versions.reallocation_propose(
                user=request.user,
                programme=programme,
                currency=currency,
                moves=form.moves(),
                reason=form.cleaned_data["reason"],
                title=form.cleaned_data["title"],
                effective_date=form.cleaned_data["effective_date"],
            )
        except ValidationError as error:
            _error_messages(request, error)
        else:
            if version.status == BudgetVersionStatus.APPROVED:
                messages.success(request, _("Reallocation applied: every change is within the threshold."))
            else:
                messages.success(
                    request, _("Reallocation proposed: it waits for approval by programme staff.")
                )
            return redirect(version)
    return render(
        request,
        "finance/versions_reallocation.html",
        {
            "programme": programme,
            "form": form,
            "tables": tables,
            "table": table,
            "currencies": currencies,
            "currency": currency,
            "threshold": programme.variance_threshold_percent,
        },
    )


def _decide(request, pk: int, action):
    version, _can_review = access.get_version_for_user_or_404(request.user, pk)
    form = DecisionForm(request.POST)
    comment = form.cleaned_data["comment"] if form.is_valid() else ""
    try:
        version = action(version=version, user=request.user, comment=comment)
    except ValidationError as error:
        _error_messages(request, error)
    else:
        messages.success(
            request, _("The budget version is now “%(status)s”.") % {"status": version.get_status_display()}
        )
    return redirect(version)


@login_required
@require_POST
def version_approve(request, pk: int):
    return _decide(request, pk, versions.version_approve)


@login_required
@require_POST
def version_reject(request, pk: int):
    return _decide(request, pk, versions.version_reject)
