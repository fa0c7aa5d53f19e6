"""Who may see and do what: the one place pcc decides access.

Roles are held per programme (:class:`~agreements.models.Membership`): a role in one programme gives
nothing in another. Everything is built on three primitives:

- :func:`programme_ids` — the programmes a user takes part in, with a given set of roles;
- :func:`partner_ids` — the partner organisations a user acts for inside one programme;
- :func:`is_site_administrator` — the people who keep the shared reference data and the users.

A site administrator (an active superuser) is an administrator of every programme, never a partner:
writing a partner's progress takes an explicit, recorded "on behalf of".

Querysets scope rows with :func:`scope`; views fetch one object with a ``get_<thing>_for_user_or_404``
helper, which returns the object and whether the user may write it (as healthchecks'
``_get_check_for_user`` does). The object permissions (``user.has_perm("budgets.explain_finding",
programme)``) are ``rules`` predicates defined at the bottom of this module and registered, by name,
in ``agreements/rules.py``. What a user may not see
is a 404, never a 403, so its existence does not leak; a 403 is only for an object the user may see
but not change.
"""

from __future__ import annotations

from dataclasses import dataclass

import rules
from django.apps import apps
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from agreements.models import DocumentAccess, Membership, Programme, Role

ADMIN_ROLES = frozenset({Role.ADMINISTRATOR})
STAFF_ROLES = frozenset({Role.ADMINISTRATOR, Role.PROGRAMME_STAFF})
READ_ALL_ROLES = frozenset({Role.ADMINISTRATOR, Role.PROGRAMME_STAFF, Role.AUDITOR})
EDITOR_ROLES = frozenset({Role.PARTNER_EDITOR})
PARTNER_ROLES = frozenset({Role.PARTNER_EDITOR, Role.PARTNER_VIEWER})
ANY_ROLE = frozenset(Role.values)


class Level:
    """What an action needs, named once: import kinds and views say which level they need."""

    SITE = "site"  # shared reference data (exchange rates, glossary), users
    ADMIN = "admin"  # a programme's structure: tables, rules, work plans
    STAFF = "staff"  # review, explain, recompute, a programme's figures and targets
    EDITOR = "editor"  # a partner's own progress

    ROLES = {ADMIN: ADMIN_ROLES, STAFF: STAFF_ROLES, EDITOR: EDITOR_ROLES}


# --- primitives -----------------------------------------------------------------------------------


def is_site_administrator(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_superuser)


def _memberships(user) -> list[tuple[int, int, str]]:
    """The user's (programme, organisation, role) triples, read once per user object."""
    cached = getattr(user, "_pcc_memberships", None)
    if cached is None:
        cached = list(
            Membership.objects.filter(user_id=user.pk).values_list("programme_id", "organisation_id", "role")
        )
        user._pcc_memberships = cached
    return cached


def roles_in(user, programme: Programme | int) -> frozenset[str]:
    """The roles ``user`` holds in ``programme`` (administrator everywhere for a site administrator)."""
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    programme_id = programme if isinstance(programme, int) else programme.pk
    held = {role for p, _o, role in _memberships(user) if p == programme_id}
    if is_site_administrator(user):
        held.add(Role.ADMINISTRATOR)
    return frozenset(held)


def programme_ids(user, roles: frozenset[str] = ANY_ROLE) -> QuerySet | None:
    """A subquery of the ids of the programmes where ``user`` holds one of ``roles``.

    ``None`` means every programme (a site administrator, for roles an administrator has).
    """
    if is_site_administrator(user) and Role.ADMINISTRATOR in roles:
        return None
    return Membership.objects.filter(user_id=user.pk, role__in=roles).values("programme_id")


def programmes(user, roles: frozenset[str] = ANY_ROLE) -> QuerySet:
    """The programmes where ``user`` holds one of ``roles``."""
    if not user.is_authenticated or not user.is_active:
        return Programme.objects.none()
    ids = programme_ids(user, roles)
    return Programme.objects.all() if ids is None else Programme.objects.filter(pk__in=ids)


def partner_ids(user, programme: Programme | int, roles: frozenset[str] = PARTNER_ROLES) -> frozenset[int]:
    """The partner organisations ``user`` acts for in ``programme`` with one of ``roles``."""
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    programme_id = programme if isinstance(programme, int) else programme.pk
    return frozenset(o for p, o, role in _memberships(user) if p == programme_id and role in roles)


def has_role(user, programme: Programme | int | None, roles: frozenset[str]) -> bool:
    return programme is not None and bool(roles_in(user, programme) & roles)


def reads_whole(user, programme: Programme | int | None) -> bool:
    """Staff, auditors and administrators read everything of their programme, every partner's."""
    return has_role(user, programme, READ_ALL_ROLES)


# --- scoping querysets ----------------------------------------------------------------------------


def _member(user, roles: frozenset[str], programme: str, organisation: str) -> Exists:
    return Exists(
        Membership.objects.filter(
            user_id=user.pk,
            role__in=roles,
            programme_id=OuterRef(programme),
            organisation_id=OuterRef(organisation),
        )
    )


def scope(
    queryset: QuerySet,
    user,
    *,
    programme: str,
    partner: str | None = None,
    partners: str | None = None,
    roles: frozenset[str] = PARTNER_ROLES,
    whole: frozenset[str] = READ_ALL_ROLES,
) -> QuerySet:
    """The rows of ``queryset`` ``user`` may see.

    ``programme`` is the path to the row's programme. Rows of a programme where the user holds one of
    ``whole`` are all visible. Where ``partner`` (a path to an organisation) and ``partners`` (a path to a
    many-to-many of organisations) are given, a row is also visible to whoever holds one of ``roles`` for
    that organisation in the row's own programme. Without them, any participant of the programme sees it.
    """
    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    if is_site_administrator(user) and Role.ADMINISTRATOR in whole:
        return queryset
    # Built from the user's memberships (read once): only the branches the user has a role for, each a
    # plain ``IN`` on one path, so the database can use its indexes (an OR with a branch that can never
    # match still makes it scan every row).
    held = _memberships(user)
    whole_ids = sorted({p for p, _o, role in held if role in whole})
    conditions = [Q(**{f"{programme}__in": _ids_or_subquery(user, whole_ids, whole)})] if whole_ids else []
    if any(role in roles for _p, _o, role in held):
        if partner is None and partners is None:
            ids = sorted({p for p, _o, role in held if role in roles})
            conditions.append(Q(**{f"{programme}__in": _ids_or_subquery(user, ids, roles)}))
        if partner is not None:
            conditions.append(Q(_member(user, roles, programme, partner)))
        if partners is not None:
            through = queryset.model.objects.filter(_member(user, roles, programme, partners))
            conditions.append(Q(pk__in=through.values("pk")))
    return _any_of(queryset, conditions)


def _any_of(queryset: QuerySet, conditions: list[Q]) -> QuerySet:
    """The rows meeting one of ``conditions``; none when there is none."""
    if not conditions:
        return queryset.none()
    condition = conditions[0]
    for other in conditions[1:]:
        condition |= other
    return queryset.filter(condition)


# Beyond this many programmes an id list costs more to write into every query (and to plan) than the
# subquery of the memberships that gives the same ids.
MAX_LISTED_PROGRAMMES = 100


def _ids_or_subquery(user, ids: list[int], roles: frozenset[str]):
    return ids if len(ids) <= MAX_LISTED_PROGRAMMES else programme_ids(user, roles)


def plan_scope(queryset: QuerySet, user, prefix: str = "", roles: frozenset[str] = PARTNER_ROLES) -> QuerySet:
    """Rows reached from a work plan through ``prefix``: its partner and the plan's other partners."""
    return scope(
        queryset,
        user,
        programme=f"{prefix}programme",
        partner=f"{prefix}organisation",
        partners=f"{prefix}partners",
        roles=roles,
    )


def editable_plans(user) -> QuerySet:
    """The work plans whose progress the user may write (partner editors of the plan's organisations)."""
    plans = apps.get_model("results", "WorkPlan").objects.all()
    return plan_scope(plans, user, roles=EDITOR_ROLES) if _has_any(user, EDITOR_ROLES) else plans.none()


def _has_any(user, roles: frozenset[str]) -> bool:
    return user.is_authenticated and any(role in roles for _p, _o, role in _memberships(user))


def import_programmes(user, level: str) -> QuerySet:
    """The programmes an import of ``level`` by ``user`` may write to."""
    if level == Level.SITE:
        return Programme.objects.all() if is_site_administrator(user) else Programme.objects.none()
    return programmes(user, Level.ROLES[level])


def may_import(user, level: str) -> bool:
    """Whether ``user`` may import (or export as a template) a kind of ``level`` into any programme."""
    if not user.is_authenticated or not user.is_active:
        return False
    if level == Level.SITE or is_site_administrator(user):
        return is_site_administrator(user) and level != Level.EDITOR
    return _has_any(user, Level.ROLES[level])


def users_with_role(programme: Programme, roles: frozenset[str], organisations=None) -> QuerySet:
    """The active users holding one of ``roles`` in ``programme`` (for ``organisations`` when given)."""
    members = Membership.objects.filter(programme=programme, role__in=roles)
    if organisations is not None:
        members = members.filter(organisation_id__in=organisations)
    return apps.get_model("core", "User").objects.filter(is_active=True, pk__in=members.values("user_id"))


# --- one object for one user ----------------------------------------------------------------------


def get_programme_for_user_or_404(user, code: str) -> tuple[Programme, bool]:
    """A programme the user takes part in, and whether the user is staff of it."""
    programme = get_object_or_404(programmes(user), code=code)
    return programme, has_role(user, programme, STAFF_ROLES)


def get_plan_for_user_or_404(user, code: str):
    """A work plan the user may see, and whether the user may write its progress."""
    plan_model = apps.get_model("results", "WorkPlan")
    plan = get_object_or_404(
        plan_scope(plan_model.objects.all(), user)
        .select_related("programme", "organisation", "component", "document")
        .defer("document__text"),
        code=code,
    )
    return plan, user.has_perm("results.report_progress", plan)


def _target_for_user_or_404(user, model: str, prefix: str, pk: int, select: tuple[str, ...]):
    target_model = apps.get_model("results", model)
    target = get_object_or_404(
        plan_scope(target_model.objects.all(), user, prefix)
        .with_progress()
        .select_related(*select)
        .defer(f"{prefix}document__text"),
        pk=pk,
    )
    return target, user.has_perm("results.report_progress", target.plan)


def get_activity_for_user_or_404(user, pk: int):
    """An activity of a plan the user may see, and whether the user may report its progress."""
    return _target_for_user_or_404(
        user,
        "Activity",
        "plan__",
        pk,
        ("plan__programme", "plan__organisation", "plan__document", "result", "parent"),
    )


def get_indicator_for_user_or_404(user, pk: int):
    """An indicator of a plan the user may see, and whether the user may report its progress."""
    return _target_for_user_or_404(
        user,
        "Indicator",
        "result__plan__",
        pk,
        (
            "result__plan__programme",
            "result__plan__organisation",
            "result__plan__document",
            "phase_indicator",
        ),
    )


def progress_writer(user, plan) -> tuple[bool, object | None]:
    """Who writes ``plan``'s progress: ``(True, None)`` for its partner editors; ``(True, partner)``
    for an administrator of the programme, who does so only explicitly on the partner's behalf;
    ``(False, None)`` for everyone else, superusers included."""
    if user.has_perm("results.report_progress", plan):
        return True, None
    if user.has_perm("results.report_on_behalf", plan):
        return True, plan.organisation
    return False, None


def progress_report_scope(queryset: QuerySet, user) -> QuerySet:
    """Progress reports on activities or indicators of the plans the user may see.

    Whole-programme readers are scoped on the report's period's programme (``ProgressReport.clean`` keeps
    it the plan's): one path the indexes serve. Partners keep the UNION over the plans they act for; for
    whole readers that UNION listed every visible report (110,779 at 2,000 programmes), which the database
    cannot narrow by the page's own filters (the review queue took 1.4 s)."""
    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    if is_site_administrator(user):
        return queryset
    held = _memberships(user)
    whole_ids = sorted({p for p, _o, role in held if role in READ_ALL_ROLES})
    conditions = []
    if whole_ids:
        conditions.append(Q(period__programme__in=_ids_or_subquery(user, whole_ids, READ_ALL_ROLES)))
    if any(role in PARTNER_ROLES for _p, _o, role in held):
        plans = plan_scope(apps.get_model("results", "WorkPlan").objects.all(), user, roles=PARTNER_ROLES)
        conditions.append(Q(pk__in=progress_reports_of(plans)))
    return _any_of(queryset, conditions)


def progress_reports_of(plans) -> QuerySet:
    """The ids of the progress reports on an activity or an indicator of ``plans`` (a queryset of work
    plans or a list of their ids): one ``UNION ALL`` with a branch per join path, each able to use its
    indexes (an OR across the two paths makes PostgreSQL scan every report). A report is on an activity
    or on an indicator, never both, so no id comes twice."""
    report = apps.get_model("results", "ProgressReport")
    if isinstance(plans, QuerySet):
        plans = plans.values("pk")
    on_activities = report.objects.filter(activity__plan__in=plans).order_by().values("pk")
    on_indicators = report.objects.filter(indicator__result__plan__in=plans).order_by().values("pk")
    return on_activities.union(on_indicators, all=True)


def progress_reports(user) -> QuerySet:
    """The progress reports the user may see: those on activities or indicators of visible plans."""
    return apps.get_model("results", "ProgressReport").objects.for_user(user)


def get_report_for_user_or_404(user, pk: int):
    """A progress report the user may see, and whether the user may write it (its plan's editors)."""
    report = get_object_or_404(
        progress_reports(user)
        .with_targets()
        .select_related("activity__plan__programme", "indicator__result__plan__programme", "period"),
        pk=pk,
    )
    return report, user.has_perm("results.report_progress", report.plan)


def get_period_for_user_or_404(user, period_id: str | int):
    """A reporting period of a programme the user takes part in, and whether the user may lock it."""
    if not str(period_id).isdigit():
        raise Http404
    period_model = apps.get_model("results", "ReportingPeriod")
    period = get_object_or_404(
        period_model.objects.filter(programme__in=programmes(user)).select_related("programme"), pk=period_id
    )
    return period, user.has_perm("results.lock_period", period)


def financial_reports(user) -> QuerySet:
    """The financial reports the user may see: a partner's own, every partner's for staff and auditors."""
    return apps.get_model("finance", "FinancialReport").objects.for_user(user)


def get_financial_report_for_user_or_404(user, pk: int):
    """A financial report the user may see, and whether the user may write it (its partner's editors)."""
    report = get_object_or_404(
        financial_reports(user).select_related("programme", "partner", "period", "rate"), pk=pk
    )
    # The rule itself, not user.has_perm (true for every superuser): only the partner's editors write it.
    return report, rules.has_perm("finance.report_expenditure", user, report)


def get_programme_partner_for_user_or_404(user, programme: Programme, acronym: str):
    """A partner of ``programme`` whose money the user may see (its own, or any for staff and auditors),
    and whether the user reads the whole programme."""
    organisation = get_object_or_404(
        apps.get_model("core", "Organisation").objects.filter(participations__programme=programme).distinct(),
        acronym=acronym,
    )
    whole = reads_whole(user, programme)
    if not whole and organisation.pk not in partner_ids(user, programme):
        raise Http404
    return organisation, whole


def budget_version_lines(user) -> QuerySet:
    """The budget version lines the user may see: every line of a programme it reads whole (staff,
    auditors, administrators); a partner's, only the lines of its own budget rows."""
    return scope(
        apps.get_model("finance", "BudgetVersionLine").objects.all(),
        user,
        programme="version__programme",
        partner="budget_row__partner",
    )


def budget_versions(user) -> QuerySet:
    """The budget versions the user may see: those with a line it may see (a partner sees no version
    that touches only other partners' lines, nor the lines of other partners in one it sees)."""
    return apps.get_model("finance", "BudgetVersion").objects.filter(
        pk__in=budget_version_lines(user).values("version_id")
    )


def get_version_for_user_or_404(user, pk: int):
    """A budget version the user may see, and whether the user may approve or reject it."""
    version = get_object_or_404(
        budget_versions(user).select_related("programme", "document", "amendment", "partner", "created_by"),
        pk=pk,
    )
    return version, user.has_perm("finance.review_expenditure", version.programme)


def disbursements(user) -> QuerySet:
    """The transfers the user may see: to its own organisation, or every one of the programmes it reads whole."""
    return apps.get_model("finance", "Disbursement").objects.for_user(user)


def visible_partners(user) -> QuerySet:
    """The organisations whose dashboards the user may open: every participant of the programmes it
    reads whole, and the partners it acts for."""
    organisation_model = apps.get_model("core", "Organisation")
    participant_model = apps.get_model("agreements", "ProgrammeParticipant")
    whole = programme_ids(user, READ_ALL_ROLES)
    if whole is None:
        return organisation_model.objects.filter(participations__isnull=False).distinct()
    participating = participant_model.objects.filter(programme_id__in=whole).values("organisation_id")
    own = Membership.objects.filter(user_id=user.pk, role__in=PARTNER_ROLES).values("organisation_id")
    return organisation_model.objects.filter(Q(pk__in=participating) | Q(pk__in=own))


def get_partner_for_user_or_404(user, acronym: str):
    """An organisation the user may see the dashboard of, and whether the user only acts for it
    (``False`` for staff, auditors and administrators, who see it among others)."""
    organisation = get_object_or_404(visible_partners(user), acronym=acronym)
    return organisation, organisation.pk in own_partner_ids(user)


def own_partner_ids(user) -> frozenset[int]:
    """The organisations the user acts for as a partner, in any programme."""
    if not user.is_authenticated:
        return frozenset()
    return frozenset(o for _p, o, role in _memberships(user) if role in PARTNER_ROLES)


def is_staff_anywhere(user) -> bool:
    """Programme staff or administrator of at least one programme: the review queue, the periods."""
    return is_site_administrator(user) or _has_any(user, STAFF_ROLES)


def reads_whole_programmes(user) -> bool:
    """Staff, auditors and administrators of at least one programme: the portfolio and dashboards."""
    return is_site_administrator(user) or _has_any(user, READ_ALL_ROLES)


def budget_facts(user) -> QuerySet:
    return apps.get_model("budgets", "BudgetFact").objects.for_user(user)


def findings(user) -> QuerySet:
    return apps.get_model("reconciliation", "Finding").objects.for_user(user)


def get_finding_for_user_or_404(user, programme: Programme, pk: int):
    """A finding of ``programme`` the user may see, and whether the user may explain it."""
    finding = get_object_or_404(findings(user).filter(rule__programme=programme), pk=pk)
    return finding, user.has_perm("budgets.explain_finding", programme)


def get_table_for_user_or_404(user, programme: Programme, code: str):
    """A budget table of ``programme``; a partner opens only a table with a row it may see."""
    table_model = apps.get_model("budgets", "BudgetTable")
    tables = table_model.objects.filter(programme=programme)
    if not reads_whole(user, programme):
        tables = tables.filter(pk__in=budget_facts(user).values("budget_table_id"))
    table = get_object_or_404(
        tables.select_related("document", "rate", "component").defer("document__text"), code=code
    )
    return table, has_role(user, programme, STAFF_ROLES)


def imports(user) -> QuerySet:
    """The spreadsheet imports the user may open: its own; a site administrator's, every one."""
    records = apps.get_model("core", "ImportRecord").objects.all()
    if is_site_administrator(user):
        return records
    return records.filter(user_id=user.pk) if user.is_authenticated else records.none()


def get_import_for_user_or_404(user, pk: int):
    """An import the user may open, and whether the user may confirm or cancel it (only its uploader)."""
    record = get_object_or_404(imports(user).select_related("user"), pk=pk)
    return record, record.user_id == user.pk


def get_report_job_for_user_or_404(user, pk: int):
    """A PDF job of the user's own (anyone else's is a 404), of a report the user may still open."""
    job_model = apps.get_model("reports", "ReportJob")
    job = get_object_or_404(job_model.objects.select_related("programme"), pk=pk, user_id=user.pk)
    check_report_access_or_404(user, job.kind, job.params)
    return job, True


def check_report_access_or_404(user, kind: str, params: dict) -> None:
    """A report's own access applied to a PDF job's parameters, as they are now."""
    if kind == "operational-plan":
        get_programme_for_user_or_404(user, params.get("programme", ""))
    elif kind == "progress-report":
        get_partner_for_user_or_404(user, params.get("partner", ""))
        get_period_for_user_or_404(user, params.get("period", ""))
    else:
        raise Http404


# --- source documents -----------------------------------------------------------------------------

# Models that cite a document for a programme: (app label, model, path to the programme).
DOCUMENT_CITATIONS = [
    ("agreements", "Agreement", "programme"),
    ("agreements", "Phase", "programme"),
    ("agreements", "Component", "programme"),
    ("budgets", "BudgetTable", "programme"),
    ("results", "WorkPlan", "programme"),
]


def _citations(*, document=None, programmes=None) -> dict[int, set[int]]:
    """The programmes citing each source document (document id → programme ids): of one ``document``,
    or of every document cited by ``programmes`` (ids; None: all)."""
    citing: dict[int, set[int]] = {}
    for app_label, model, path in DOCUMENT_CITATIONS:
        rows = apps.get_model(app_label, model).objects.filter(document__isnull=False)
        if document is not None:
            rows = rows.filter(document=document)
        if programmes is not None:
            rows = rows.filter(**{f"{path}_id__in": programmes})
        for document_id, programme_id in rows.values_list("document_id", f"{path}_id").order_by().distinct():
            citing.setdefault(document_id, set()).add(programme_id)
    return citing


@dataclass
class DocumentView:
    """What of a document the user may read: everything, or all but ``hidden_lines``."""

    document: object
    hidden_lines: frozenset[int]


def get_document_for_user_or_404(user, code: str) -> tuple[DocumentView, bool]:
    """A source document cited by a programme the user takes part in, and the lines hidden from it.

    Staff, auditors and administrators of a citing programme read it whole. A partner reads it whole
    unless every citing programme shows partners only the lines of the tables they may see.
    """
    document = get_object_or_404(apps.get_model("core", "Document"), code=code)
    citing = _citations(document=document).get(document.pk, set())
    mine = {p for p in citing if roles_in(user, p)}
    if not mine:
        raise Http404
    return _document_view(user, document, mine), False


def readable_documents(user) -> list[DocumentView]:
    """Every source document the user may read, each with the lines hidden from it, decided as
    :func:`get_document_for_user_or_404` decides for one (the search reads them all at once)."""
    if not user.is_authenticated or not user.is_active:
        return []
    citing = _citations(programmes=programme_ids(user))
    whole = set(
        Programme.objects.filter(
            pk__in={p for ids in citing.values() for p in ids}, partner_document_access=DocumentAccess.WHOLE
        ).values_list("pk", flat=True)
    )
    documents = apps.get_model("core", "Document").objects.in_bulk(citing)
    return [
        _document_view(user, documents[document_id], programmes_, whole)
        for document_id, programmes_ in sorted(citing.items(), key=lambda item: documents[item[0]].code)
    ]


def _document_view(user, document, mine: set[int], whole: set[int] | None = None) -> DocumentView:
    """What of ``document`` the user reads, cited by ``mine`` (programmes the user takes part in);
    ``whole``: those of them that show partners the whole document, if already known."""
    if any(has_role(user, p, READ_ALL_ROLES) for p in mine):
        return DocumentView(document, frozenset())
    if whole is None:
        whole = set(
            Programme.objects.filter(pk__in=mine, partner_document_access=DocumentAccess.WHOLE).values_list(
                "pk", flat=True
            )
        )
    if mine & whole:
        return DocumentView(document, frozenset())
    return DocumentView(document, _hidden_table_lines(user, document, mine))


def _hidden_table_lines(user, document, programme_ids_: set[int]) -> frozenset[int]:
    """What a partner may not read of a document's budget tables: every line of a table it sees no
    figure of, and in the others every line holding a figure it may not see (another partner's, or a
    programme total). Headings, column headers and the narrative stay readable."""
    table_model = apps.get_model("budgets", "BudgetTable")
    fact_model = apps.get_model("budgets", "BudgetFact")
    tables = table_model.objects.filter(document=document, programme_id__in=programme_ids_)
    visible = budget_facts(user).filter(budget_table__in=tables)
    seen_tables = set(visible.values_list("budget_table_id", flat=True))
    hidden: set[int] = set()
    for pk, first, last in tables.values_list("pk", "first_line", "last_line"):
        if pk not in seen_tables:
            hidden.update(range(first, last + 1))
    others = fact_model.objects.filter(budget_table_id__in=seen_tables).exclude(pk__in=visible.values("pk"))
    hidden.update(others.values_list("line", flat=True))
    hidden.update(others.values_list("row__line", flat=True))
    return frozenset(hidden)


# --- object permissions (rules) -------------------------------------------------------------------


def _programme_of(obj):
    """The programme an object belongs to: itself, a work plan's, a period's, a finding's rule's."""
    if isinstance(obj, Programme):
        return obj
    for attr in ("programme_id", "plan", "rule"):
        if hasattr(obj, attr):
            value = getattr(obj, attr)
            return value if attr == "programme_id" else _programme_of(value)
    return None


def _role_predicate(roles: frozenset[str]):
    def predicate(user, obj) -> bool:
        return has_role(user, _programme_of(obj), roles)

    return predicate


@rules.predicate
def is_participant(user, obj) -> bool:
    return has_role(user, _programme_of(obj), ANY_ROLE)


is_staff_of = rules.predicate(_role_predicate(STAFF_ROLES), name="is_staff_of")
is_administrator_of = rules.predicate(_role_predicate(ADMIN_ROLES), name="is_administrator_of")


@rules.predicate
def is_partner_editor(user, obj) -> bool:
    """A partner editor of ``obj``'s partner (``obj.partner_id``) in ``obj``'s own programme."""
    if obj is None or not getattr(obj, "partner_id", None):
        return False
    return obj.partner_id in partner_ids(user, obj.programme_id, EDITOR_ROLES)


@rules.predicate
def is_plan_editor(user, plan) -> bool:
    """A partner editor of the plan's organisation (or of one of its other partners) in its programme."""
    if plan is None:
        return False
    editor_of = partner_ids(user, plan.programme_id, EDITOR_ROLES)
    if not editor_of:
        return False
    return plan.organisation_id in editor_of or plan.partners.filter(pk__in=editor_of).exists()
