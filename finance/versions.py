"""Budget versions: the original budget, its amendments, revisions and reallocations, and the budget as
of a date.

A programme's budget lines are the item rows of its budget tables that count in the overview or that
partners report against (:class:`~budgets.models.BudgetRow`: component, partner, result or cost
category as printed). A :class:`~finance.models.BudgetVersion` changes them by deltas per line and
currency; the budget as of a date is the sum of the approved versions effective by then, per line and
currency, never adding two currencies (:func:`consolidated`), as the agreement's terms are its
amendments applied in order (:func:`agreements.terms.consolidated_terms`).

The first versions are derived from the tables as printed (:func:`derive_versions`): a planned figure
whose period lies within the agreement's original term belongs to the original budget; one whose period
lies in the extension an amendment grants (after the previous end, up to the amendment's new end)
belongs to that amendment. Nothing here names a table or a column: periods, flags and the agreement's
dates decide.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from djmoney.money import Money

from agreements import access
from agreements.models import Agreement, Programme
from budgets.models import BudgetFact, BudgetRow, FigureKind, RowRole
from core.i18n import Figure, Message
from core.money import round_amount
from core.upsert import create_pending, upsert
from core.workflow import transition
from finance.models import (
    BudgetVersion,
    BudgetVersionKind,
    BudgetVersionLine,
    BudgetVersionStatus,
)
from reconciliation.services import figures_changed

DERIVED_REASON = "derived from the budget tables"

Budget = dict[int, dict[str, Money]]


# --- who sees what ----------------------------------------------------------------------------------


def may_review(user, programme) -> bool:
    return user.has_perm("finance.review_expenditure", programme)


def reallocation_partners(user, programme) -> frozenset[int] | None:
    """Whose lines ``user`` may move money between: ``None`` for every line (programme staff), else the
    partners it edits (empty: none)."""
    if may_review(user, programme):
        return None
    return access.partner_ids(user, programme, access.EDITOR_ROLES)


# --- the budget as of a date --------------------------------------------------------------------------


def _add(budget: dict, row_id: int, amount: Decimal, currency: str) -> None:
    currencies = budget.setdefault(row_id, {})
    currencies[currency] = currencies.get(currency, Decimal(0)) + amount


def _as_money(totals: dict[int, dict[str, Decimal]]) -> Budget:
    return {
        row_id: {currency: Money(amount, currency) for currency, amount in currencies.items()}
        for row_id, currencies in totals.items()
    }


def applied_lines(programme, as_of: datetime.date):
    """The lines of the approved versions of ``programme`` effective on or before ``as_of``."""
    return BudgetVersionLine.objects.filter(
        version__programme=programme,
        version__status=BudgetVersionStatus.APPROVED,
        version__effective_date__lte=as_of,
    )


def consolidated(programme, as_of: datetime.date, *, rows=None) -> Budget:
    """The budget of ``programme`` as of ``as_of``: per budget row pk, per currency, the original plus
    every approved change effective by then. Summed as :class:`~decimal.Decimal` in Python (SQLite sums
    decimals as floats), each currency apart. ``rows``: only these row pks. One query."""
    lines = applied_lines(programme, as_of)
    if rows is not None:
        lines = lines.filter(budget_row_id__in=list(rows))
    totals: dict[int, dict[str, Decimal]] = {}
    for row_id, delta, currency in lines.values_list("budget_row_id", "delta", "delta_currency"):
        _add(totals, row_id, delta, currency)
    return _as_money(totals)


# --- the grid: original, amendments and revised side by side ------------------------------------------


@dataclass
class GridColumn:
    """A column of the grid: one version, or every approved reallocation taken together."""

    key: str
    title: str
    version: BudgetVersion | None = None
    versions: list[BudgetVersion] = field(default_factory=list)


@dataclass
class GridCell:
    amount: Money | None = None
    version_ids: list[int] = field(default_factory=list)
    from_source: bool = False


@dataclass
class GridLine:
    """One budget line in one currency: its figure in each column and the revised budget."""

    row: BudgetRow
    currency: str
    cells: list[GridCell]
    revised: Money


@dataclass
class GridTable:
    table: object
    lines: list[GridLine]
    totals: list[tuple[str, list[Money | None], Money]]  # per currency: a total per column, revised


@dataclass
class Grid:
    as_of: datetime.date
    columns: list[GridColumn]
    tables: list[GridTable]


def grid(programme, as_of: datetime.date, *, user) -> Grid:
    """The budget lines ``user`` may see with the original, each amendment or revision, the approved
    reallocations together, and the revised budget as of ``as_of``, per line and currency. Two queries
    whatever the number of lines."""
    versions = list(
        BudgetVersion.objects.filter(
            programme=programme, status=BudgetVersionStatus.APPROVED, effective_date__lte=as_of
        ).order_by("effective_date", "number")
    )
    columns: list[GridColumn] = []
    column_of: dict[int, int] = {}
    reallocations = GridColumn("reallocations", _("Reallocations"))
    for version in versions:
        if version.kind == BudgetVersionKind.REALLOCATION:
            reallocations.versions.append(version)
            continue
        column_of[version.pk] = len(columns)
        columns.append(GridColumn(f"v{version.number}", version.title, version, [version]))
    if reallocations.versions:
        for version in reallocations.versions:
            column_of[version.pk] = len(columns)
        columns.append(reallocations)
    lines = (
        access.budget_version_lines(user)
        .filter(version_id__in=[v.pk for v in versions])
        .select_related("budget_row__table__document", "budget_row__partner")
        .defer("budget_row__table__document__text")
        .order_by("budget_row__table__order", "budget_row__order", "delta_currency")
    )
    by_key: dict[tuple[int, str], GridLine] = {}
    tables: dict[int, GridTable] = {}
    for line in lines:
        currency = str(line.delta.currency)
        key = (line.budget_row_id, currency)
        grid_line = by_key.get(key)
        if grid_line is None:
            grid_line = GridLine(
                line.budget_row, currency, [GridCell() for _c in columns], Money(0, currency)
            )
            by_key[key] = grid_line
            table = line.budget_row.table
            tables.setdefault(table.pk, GridTable(table, [], [])).lines.append(grid_line)
        cell = grid_line.cells[column_of[line.version_id]]
        cell.amount = line.delta if cell.amount is None else cell.amount + line.delta
        if line.version_id not in cell.version_ids:
            cell.version_ids.append(line.version_id)
        cell.from_source = cell.from_source or line.source_fact_id is not None
        grid_line.revised += line.delta
    for grid_table in tables.values():
        currencies = sorted({line.currency for line in grid_table.lines})
        for currency in currencies:
            own = [line for line in grid_table.lines if line.currency == currency]
            per_column = []
            for index in range(len(columns)):
                amounts = [line.cells[index].amount for line in own if line.cells[index].amount is not None]
                per_column.append(sum(amounts[1:], amounts[0]) if amounts else None)
            revised = sum((line.revised for line in own[1:]), own[0].revised)
            grid_table.totals.append((currency, per_column, revised))
    return Grid(as_of, columns, list(tables.values()))


# --- deriving the first versions from the tables as printed -------------------------------------------


@dataclass
class Derived:
    versions_written: int = 0
    lines_written: int = 0
    lines_removed: int = 0
    unplaced: list[BudgetFact] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.versions_written or self.lines_written or self.lines_removed)


@dataclass
class _Segment:
    """A stretch of the programme's term: the agreement's original one, or an amendment's extension."""

    start: datetime.date
    end: datetime.date
    agreement: Agreement
    amendment: object = None

    def holds(self, fact: BudgetFact) -> bool:
        return self.start <= fact.period_start and fact.period_end <= self.end


def _segments(programme) -> list[_Segment]:
    segments = []
    agreements = (
        Agreement.objects.filter(programme=programme)
        .prefetch_related("amendments")
        .order_by("start_date", "pk")
    )
    for agreement in agreements:
        segments.append(_Segment(agreement.start_date, agreement.end_date, agreement))
        end = agreement.end_date
        for amendment in sorted(agreement.amendments.all(), key=lambda a: (a.sequence, a.signed_on)):
            if amendment.new_end_date and amendment.new_end_date > end:
                start = end + datetime.timedelta(days=1)
                segments.append(_Segment(start, amendment.new_end_date, agreement, amendment))
                end = amendment.new_end_date
    return segments


def source_facts(programme):
    """The planned figures the first versions are made of: item cells (no total, no column detailing
    another) of the tables counted in the overview and of those partners report against."""
    return (
        BudgetFact.objects.filter(
            programme=programme,
            figure=FigureKind.PLANNED,
            amount__isnull=False,
            is_total=False,
            column__detail_of="",
            row__role=RowRole.ITEM,
        )
        .filter(Q(budget_table__in_overview=True) | Q(budget_table__reporting_basis=True))
        .order_by("budget_table__order", "row__order", "column__order", "pk")
    )


def _next_number(programme) -> int:
    return (BudgetVersion.objects.filter(programme=programme).aggregate(n=Max("number"))["n"] or 0) + 1


@transaction.atomic
def derive_versions(programme) -> Derived:
    """Build (or bring up to date) the versions of ``programme`` derived from its tables: the original
    budget from the planned figures of the agreement's original term, one amendment version per
    amendment from those of the extension it grants, each line keeping the figure it was taken from.
    Running it again on the same tables writes nothing. A figure whose period straddles two stretches of
    the term, or lies outside them, is left out and returned in ``unplaced``."""
    programme = Programme.objects.select_for_update().get(pk=programme.pk)
    segments = _segments(programme)
    placed: dict[object, list[BudgetFact]] = {}
    result = Derived()
    facts = list(source_facts(programme))
    for fact in facts:
        if fact.period_start is None or fact.period_end is None or not segments:
            placed.setdefault(None, []).append(fact)  # no period, or no agreement: the original budget
            continue
        segment = next((s for s in segments if s.holds(fact)), None)
        if segment is None:
            result.unplaced.append(fact)
            continue
        placed.setdefault(segment.amendment, []).append(fact)
    if not facts:
        return result
    first = segments[0].agreement if segments else None
    wanted = {None: placed.pop(None, [])}
    wanted.update(sorted(placed.items(), key=lambda item: (item[0].agreement_id, item[0].sequence)))
    starts = [f.period_start for f in facts if f.period_start is not None]
    for amendment, version_facts in wanted.items():
        if amendment is None:
            lookup = {"programme": programme, "derived": True, "kind": BudgetVersionKind.ORIGINAL}
            values = {
                "title": _derived_title(BudgetVersionKind.ORIGINAL),
                "effective_date": first.start_date if first else min(starts, default=timezone.localdate()),
                "document": first.document if first else version_facts[0].document,
                "line": first.line if first else None,
                "reason": first.title if first else "",
                "amendment": None,
            }
            if not version_facts and not BudgetVersion.objects.filter(**lookup).exists():
                continue
        else:
            lookup = {"programme": programme, "derived": True, "amendment": amendment}
            values = {
                "kind": BudgetVersionKind.AMENDMENT,
                "title": amendment.title[:255],
                "effective_date": amendment.effective_from,
                "document": amendment.document,
                "line": amendment.line,
                "reason": amendment.title,
            }
        version = BudgetVersion.objects.filter(**lookup).first()
        if version is None:
            version = BudgetVersion(
                **lookup,
                **values,
                number=_next_number(programme),
                status=BudgetVersionStatus.APPROVED,
            )
            version._change_reason = DERIVED_REASON
            version.save()
            result.versions_written += 1
        else:
            version, changed = upsert(BudgetVersion, lookup, values, reason=DERIVED_REASON)
            result.versions_written += changed
        _derive_lines(version, version_facts, result)
    return result


def _derived_title(kind: str) -> str:
    # Stored in the site's language: a title is data, shown as stored.
    return str(BudgetVersionKind(kind).label)


def _derive_lines(version: BudgetVersion, facts: list[BudgetFact], result: Derived) -> None:
    existing = {line.source_fact_id: line for line in version.lines.filter(source_fact__isnull=False)}
    pending: list[BudgetVersionLine] = []
    for fact in facts:
        _line, changed = upsert(
            BudgetVersionLine,
            {"version": version, "source_fact": fact},
            {"budget_row_id": fact.row_id, "delta": fact.amount},
            existing=existing,
            existing_key=fact.pk,
            pending=pending,
            reason=DERIVED_REASON,
        )
        result.lines_written += changed
    create_pending(BudgetVersionLine, pending, reason=DERIVED_REASON)
    gone = set(existing) - {fact.pk for fact in facts}
    if gone:
        removed, _by_model = version.lines.filter(source_fact_id__in=gone).delete()
        result.lines_removed += removed
    # A figure deleted from its table leaves its line without a source (SET_NULL): no longer the source's.
    orphans, _by_model = version.lines.filter(source_fact__isnull=True).delete()
    result.lines_removed += orphans


def load(ctx) -> None:
    """A loader of ``settings.PCC_LOADERS`` (after ``budgets.loader.load``): derive the programme's
    first versions from the tables just loaded; the after-load step reconciles if anything changed."""
    if ctx.programme is None:
        return
    derived = derive_versions(ctx.programme)
    ctx.count("budget version", derived.changed)


# --- reallocations and their review ---------------------------------------------------------------------


def _percent(delta: Decimal, budget: Decimal) -> Decimal | None:
    """``delta`` as a percentage of ``budget``; ``None`` (beyond any threshold) for a line budgeted at 0."""
    if not budget:
        return None
    return round_amount(abs(delta) * 100 / abs(budget), 1)


def _parse_moves(moves: Mapping[int, Decimal | str]) -> dict[int, Decimal]:
    parsed = {}
    for row_id, amount in moves.items():
        try:
            value = amount if isinstance(amount, Decimal) else Decimal(str(amount))
        except InvalidOperation:
            raise ValidationError(_("Expected an amount, got %(value)r."), params={"value": amount}) from None
        if value:
            parsed[int(row_id)] = value
    return parsed


@dataclass(frozen=True)
class Move:
    row: BudgetRow
    delta: Decimal
    budget: Money | None
    percent: Decimal | None


def _check_moves(programme, currency: str, moves: dict[int, Decimal], on: datetime.date) -> list[Move]:
    """The moves with each line's budget as of ``on``; refuses what is not a reallocation."""
    if len(moves) < 2:
        raise ValidationError(
            _("A reallocation moves money from at least one budget line to another."), code="too_few"
        )
    total = sum(moves.values(), Decimal(0))
    if total:
        raise ValidationError(
            _(
                "The changes add up to %(total)s %(currency)s, not zero: a reallocation moves money, it adds none."
            ),
            code="not_balanced",
            params={"total": total, "currency": currency},
        )
    rows = {
        row.pk: row
        for row in BudgetRow.objects.filter(pk__in=moves, table__programme=programme).select_related("table")
    }
    if unknown := set(moves) - set(rows):
        raise ValidationError(
            _("Budget lines %(rows)s are not lines of this programme."),
            code="unknown_line",
            params={"rows": ", ".join(str(pk) for pk in sorted(unknown))},
        )
    if len({row.table_id for row in rows.values()}) > 1:
        # Tables detail one another (a partner's budget by result details its line of the programme's
        # table): money moved from one table to another would count in neither, or twice.
        raise ValidationError(
            _("A reallocation moves money between the lines of one table."), code="several_tables"
        )
    budget = consolidated(programme, on, rows=rows)
    errors, result = [], []
    for row_id, delta in moves.items():
        row = rows[row_id]
        stated = budget.get(row_id, {}).get(currency)
        label = Truncator(row.label).chars(60)
        if stated is None:
            errors.append(
                ValidationError(
                    _("Line %(line)s (%(label)s) has no budget in %(currency)s."),
                    code="no_budget",
                    params={"line": row.line, "label": label, "currency": currency},
                )
            )
            continue
        if stated.amount + delta < 0:
            errors.append(
                ValidationError(
                    _(
                        "Line %(line)s (%(label)s): moving %(delta)s would leave it below zero (budget %(budget)s)."
                    ),
                    code="below_zero",
                    params={"line": row.line, "label": label, "delta": delta, "budget": stated.amount},
                )
            )
            continue
        result.append(Move(row, delta, stated, _percent(delta, stated.amount)))
    if errors:
        raise ValidationError(errors)
    return result


def _above(moves: list[Move], threshold: Decimal) -> list[Move]:
    return [m for m in moves if m.percent is None or m.percent > threshold]


@transaction.atomic
def reallocation_propose(
    *,
    user,
    programme,
    currency: str,
    moves: Mapping[int, Decimal | str],
    reason: str,
    title: str = "",
    effective_date: datetime.date | None = None,
) -> BudgetVersion:
    """Move money in ``currency`` between budget lines (``moves``: row pk → change, adding up to zero).

    Staff of the programme move any lines; a partner's editors only their partner's. Where every change is
    within the programme's threshold (``variance_threshold_percent``) of its line's budget as of
    ``effective_date`` (today when not given) the reallocation applies at once and staff are told by
    e-mail; above it, it waits for another staff member's approval (:func:`version_approve`).
    """
    # Locked: the budget the threshold is measured against, and the version number, are read once.
    programme = Programme.objects.select_for_update().get(pk=programme.pk)
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Say why the money is moved."), code="reason_required")
    parsed = _parse_moves(moves)
    effective_date = effective_date or timezone.localdate()
    checked = _check_moves(programme, currency, parsed, effective_date)
    partners = {move.row.partner_id for move in checked}
    allowed = reallocation_partners(user, programme)
    if allowed is not None and (None in partners or not partners <= allowed):
        raise PermissionDenied(_("You may move money only between your own budget lines."))
    above = _above(checked, programme.variance_threshold_percent)
    version = BudgetVersion(
        programme=programme,
        number=_next_number(programme),
        kind=BudgetVersionKind.REALLOCATION,
        title=(title.strip() or _("Reallocation of %(currency)s") % {"currency": currency})[:255],
        effective_date=effective_date,
        reason=reason,
        currency=currency,
        partner_id=partners.pop() if len(partners) == 1 else None,
        needs_approval=bool(above),
        created_by=user,
    )
    version.full_clean()
    version._history_user = user
    version.save()
    lines = [
        BudgetVersionLine(version=version, budget_row=move.row, delta=Money(move.delta, currency))
        for move in checked
    ]
    for line in lines:
        line.full_clean(exclude=["version", "budget_row"])
        line._history_user = user
        line.save()
    if above:
        _notify(
            version,
            _staff_emails(programme, exclude=user),
            _("Budget reallocation awaiting approval: %(version)s"),
        )
        return version
    version = transition(
        version,
        BudgetVersionStatus.APPROVED,
        user=user,
        reason=Message(
            gettext_noop("Every change is within %(threshold)s %% of its line's budget: applied at once."),
            {"threshold": Figure(programme.variance_threshold_percent)},
        ),
        decided_at=timezone.now(),
    )
    figures_changed(programme.pk, _("budget reallocation v%(number)s applied") % {"number": version.number})
    _notify(version, _staff_emails(programme, exclude=user), _("Budget reallocation applied: %(version)s"))
    return version


def _check_reviewer(version: BudgetVersion, user) -> None:
    if not may_review(user, version.programme):
        raise PermissionDenied(_("You may not review this budget version."))
    if user.pk == version.created_by_id:
        raise PermissionDenied(_("Nobody approves their own reallocation."))


@transaction.atomic
def version_approve(*, version: BudgetVersion, user, comment: str = "") -> BudgetVersion:
    """Approve a proposed version: its changes apply from its effective date. Checked again against the
    budget as it is now (another reallocation may have moved the same money since)."""
    programme = Programme.objects.select_for_update().get(pk=version.programme_id)
    version = BudgetVersion.objects.select_for_update().select_related("programme").get(pk=version.pk)
    _check_reviewer(version, user)
    if version.status == BudgetVersionStatus.PROPOSED and version.currency:
        moves = {}
        for row_id, delta in version.lines.values_list("budget_row_id", "delta"):
            moves[row_id] = moves.get(row_id, Decimal(0)) + delta
        _check_moves(programme, version.currency, moves, version.effective_date)
    version = transition(
        version,
        BudgetVersionStatus.APPROVED,
        user=user,
        reason=comment.strip(),
        decided_by=user,
        decided_at=timezone.now(),
        decision_comment=comment.strip(),
    )
    figures_changed(programme.pk, _("budget version v%(number)s approved") % {"number": version.number})
    _notify(version, _emails([version.created_by]), _("Budget version approved: %(version)s"), comment)
    return version


@transaction.atomic
def version_reject(*, version: BudgetVersion, user, comment: str) -> BudgetVersion:
    """Reject a proposed version, saying why; it never applies."""
    comment = comment.strip()
    if not comment:
        raise ValidationError(_("Say why the change is rejected."), code="comment_required")
    version = BudgetVersion.objects.select_for_update().select_related("programme").get(pk=version.pk)
    _check_reviewer(version, user)
    version = transition(
        version,
        BudgetVersionStatus.REJECTED,
        user=user,
        reason=comment,
        decided_by=user,
        decided_at=timezone.now(),
        decision_comment=comment,
    )
    _notify(version, _emails([version.created_by]), _("Budget version rejected: %(version)s"), comment)
    return version


# --- notification (as results.services tells staff: an e-mail once the change commits) -----------------


def _emails(users) -> list[str]:
    return [u.email for u in users if u is not None and u.email]


def _staff_emails(programme, *, exclude=None) -> list[str]:
    staff = access.users_with_role(programme, access.STAFF_ROLES).exclude(email="")
    if exclude is not None:
        staff = staff.exclude(pk=exclude.pk)
    return list(staff.values_list("email", flat=True))


def _notify(version: BudgetVersion, recipients: list[str], subject: str, comment: str = "") -> None:
    if not recipients:
        return
    body = "\n\n".join(
        part
        for part in (
            f"{version} · {version.effective_date.isoformat()}",
            _("Status: %(status)s") % {"status": version.get_status_display()},
            version.reason,
            comment,
            reverse("finance:version_detail", args=[version.pk]),
        )
        if part
    )
    message = (subject % {"version": version}, body, settings.DEFAULT_FROM_EMAIL, recipients)
    transaction.on_commit(lambda: send_mail(*message, fail_silently=False))
