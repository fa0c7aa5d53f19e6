"""The access matrix: every URL of the project × every kind of user × objects of three owners × GET/POST.

The URL patterns are read from the URLconf, so a new URL without a case here fails
:func:`test_every_url_has_a_case`. Who may do what is written here from the roles the users are given
(not asked of the access module): a user outside the allowed set gets 403 or 404 (anonymous: the
login page), a user inside it gets anything else (the page, a redirect after a POST, a form error).

Objects come in three variants:
``own``      — PROSUR's, in the PCC (the partner the "a" users act for);
``other``    — AMPEX's, in the PCC (another partner of the same programme);
``foreign``  — a partner's in a second programme (``gen-0001``, a synthetic PCC-like programme).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.contrib import admin
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from djmoney.money import Money

from agreements.models import Agreement, Membership, Programme, Role
from budgets.models import BudgetRow, BudgetTable
from core.models import ImportRecord, ImportStatus, Organisation
from finance.models import (
    BudgetVersion,
    BudgetVersionKind,
    BudgetVersionLine,
    FinancialReport,
    FinancialStatus,
)
from reconciliation.models import Finding
from reports.models import ReportJob
from reports.synthetic import generate_portfolio
from results.models import Activity, Indicator, ProgressReport, ProgressStatus, ReportingPeriod, WorkPlan
from tests.factories import UserFactory

# --- the users -------------------------------------------------------------------------------------

USERS = [
    "anonymous",
    "site_admin",  # superuser, no programme role
    "pcc_admin",  # administrator of the PCC only
    "staff",  # COSUDE, programme staff of the PCC
    "auditor",  # SECO, auditor of the PCC
    "editor_a",  # PROSUR editor
    "viewer_a",  # PROSUR viewer
    "editor_b",  # AMPEX editor
    "two_hats",  # staff of gen-0001 and PROSUR viewer in the PCC
    "foreign_staff",  # staff of gen-0001 only
    "foreign_editor",  # editor of gen-0001's first partner
]

WHOLE_PCC = {"site_admin", "pcc_admin", "staff", "auditor"}
STAFF_PCC = {"site_admin", "pcc_admin", "staff"}
PROSUR = {"editor_a", "viewer_a", "two_hats"}
PCC_ALL = WHOLE_PCC | PROSUR | {"editor_b"}
FOREIGN_ALL = {"site_admin", "two_hats", "foreign_staff", "foreign_editor"}
FOREIGN_STAFF = {"site_admin", "two_hats", "foreign_staff"}
SIGNED_IN = set(USERS) - {"anonymous"}
EVERYONE = set(USERS)


@dataclass
class World:
    users: dict
    objects: dict = field(default_factory=dict)


def _report(target, period, user, status=ProgressStatus.SUBMITTED) -> ProgressReport:
    field_name = "activity" if isinstance(target, Activity) else "indicator"
    return ProgressReport.objects.create(
        period=period,
        reported_on=datetime.date(2008, 9, 30),
        achieved_value=Decimal("1") if field_name == "activity" else None,
        achieved_text="" if field_name == "activity" else "uno",
        created_by=user,
        submitted_by=user,
        status=status,
        **{field_name: target},
    )


@pytest.fixture
def world(pcc, settings, tmp_path) -> World:
    settings.MEDIA_ROOT = str(tmp_path)
    generate_portfolio(programmes=1, seed=3, donor="GEN-DONOR")
    gen = Programme.objects.get(code="gen-0001")
    org = {o.acronym: o for o in Organisation.objects.all()}
    gen_partner = org["GEN-0001-P1"]

    def member(user, programme, acronym, role):
        Membership.objects.create(user=user, programme=programme, organisation=org[acronym], role=role)
        return user

    users = {
        "anonymous": None,
        "site_admin": UserFactory(username="m-site-admin", is_superuser=True, is_staff=True),
        "pcc_admin": member(UserFactory(username="m-pcc-admin"), pcc, "COSUDE", Role.ADMINISTRATOR),
        "staff": member(UserFactory(username="m-staff"), pcc, "COSUDE", Role.PROGRAMME_STAFF),
        "auditor": member(UserFactory(username="m-auditor"), pcc, "SECO", Role.AUDITOR),
        "editor_a": member(UserFactory(username="m-editor-a"), pcc, "PROSUR", Role.PARTNER_EDITOR),
        "viewer_a": member(UserFactory(username="m-viewer-a"), pcc, "PROSUR", Role.PARTNER_VIEWER),
        "editor_b": member(UserFactory(username="m-editor-b"), pcc, "AMPEX", Role.PARTNER_EDITOR),
        "two_hats": member(
            member(UserFactory(username="m-two-hats"), gen, "GEN-DONOR", Role.PROGRAMME_STAFF),
            pcc,
            "PROSUR",
            Role.PARTNER_VIEWER,
        ),
        "foreign_staff": member(
            UserFactory(username="m-foreign-staff"), gen, "GEN-DONOR", Role.PROGRAMME_STAFF
        ),
        "foreign_editor": member(
            UserFactory(username="m-foreign-editor"), gen, "GEN-0001-P1", Role.PARTNER_EDITOR
        ),
    }
    plans = {
        "own": WorkPlan.objects.get(code="poa-prosur-2008"),
        "other": WorkPlan.objects.get(code="poa-ampex-2008"),
        "foreign": WorkPlan.objects.get(programme=gen, organisation=gen_partner),
    }
    periods = {
        "own": ReportingPeriod.objects.filter(programme=pcc).order_by("start_date").first(),
        "foreign": ReportingPeriod.objects.filter(programme=gen).order_by("start_date").first(),
    }
    periods["other"] = periods["own"]
    authors = {"own": users["editor_a"], "other": users["editor_b"], "foreign": users["foreign_editor"]}
    w = World(users=users)
    for variant, plan in plans.items():
        activity = Activity.objects.filter(plan=plan).order_by("pk").first()
        indicator = Indicator.objects.filter(result__plan=plan).order_by("pk").first()
        ProgressReport.objects.filter(activity=activity, period=periods[variant]).delete()
        report = _report(activity, periods[variant], authors[variant])
        report.evidence.save("evidence.pdf", _content(b"%PDF-1.4 evidence"), save=True)
        w.objects[variant] = {
            "plan": plan,
            "activity": activity,
            "indicator": indicator,
            "report": report,
            "period": periods[variant],
            "programme": plan.programme,
            "partner": plan.organisation,
        }
    for variant, objects in w.objects.items():
        # The synthetic portfolio reports its partners' first period already: this one replaces it.
        FinancialReport.objects.filter(
            programme=objects["programme"], partner=objects["partner"], period=objects["period"]
        ).delete()
        money_report = FinancialReport.objects.create(
            programme=objects["programme"],
            partner=objects["partner"],
            period=objects["period"],
            currency=objects["programme"].binding_currency,
            created_by=authors[variant],
            submitted_by=authors[variant],
            status=FinancialStatus.SUBMITTED,
        )
        money_report.document.save("invoices.pdf", _content(b"%PDF-1.4 invoices"), save=True)
        objects["financial_report"] = money_report
        # A proposed reallocation of the partner's own (so that its people see the version).
        version = BudgetVersion.objects.create(
            programme=objects["programme"],
            number=(BudgetVersion.objects.filter(programme=objects["programme"]).count() + 100),
            kind=BudgetVersionKind.REALLOCATION,
            title="Reasignación",
            effective_date=datetime.date(2008, 10, 1),
            reason="Matriz de acceso",
            currency=objects["programme"].binding_currency,
            partner=objects["partner"],
            needs_approval=True,
            created_by=authors[variant],
        )
        row = BudgetRow.objects.filter(
            table__programme=objects["programme"], partner=objects["partner"]
        ).first()
        if row is not None:
            BudgetVersionLine.objects.create(
                version=version, budget_row=row, delta=Money(0, objects["programme"].binding_currency)
            )
        objects["budget_version"] = version
    w.objects["own"]["table"] = BudgetTable.objects.get(programme=pcc, code="sp12-cuadro-2-prosur")
    w.objects["other"]["table"] = BudgetTable.objects.get(programme=pcc, code="sp12-cuadro-2-ampex")
    w.objects["foreign"]["table"] = BudgetTable.objects.filter(programme=gen).first()
    w.objects["own"]["finding"] = Finding.objects.filter(rule__programme=pcc, partner=org["PROSUR"]).first()
    w.objects["other"]["finding"] = Finding.objects.filter(rule__programme=pcc, partner=org["AMPEX"]).first()
    w.objects["foreign"]["finding"] = Finding.objects.filter(rule__programme=gen).first()
    for variant, uploader, kind in (
        ("own", "staff", "budget-facts"),
        ("other", "editor_b", "progress"),
        ("foreign", "foreign_staff", "budget-facts"),
    ):
        w.objects[variant]["import"] = ImportRecord.objects.create(
            user=users[uploader],
            kind=kind,
            file_name="figures.xlsx",
            sha256="0" * 64,
            locale="dot",
            status=ImportStatus.DRY_RUN,
        )
    for variant, owner in (("own", "staff"), ("other", "editor_b"), ("foreign", "foreign_staff")):
        programme = w.objects[variant]["programme"]
        w.objects[variant]["job"] = ReportJob.objects.create(
            user=users[owner],
            programme=programme,
            kind="operational-plan",
            params={"programme": programme.code},
            language="es",
            fingerprint=f"{variant:0<64}"[:64],
            file_name="plan.pdf",
        )
    w.objects["own"]["agreement"] = Agreement.objects.filter(programme=pcc).first()
    w.objects["other"]["agreement"] = w.objects["own"]["agreement"]
    w.objects["foreign"]["agreement"] = Agreement.objects.filter(programme=gen).first()
    w.objects["own"]["document"] = w.objects["own"]["agreement"].document
    w.objects["other"]["document"] = w.objects["own"]["document"]
    w.objects["foreign"]["document"] = w.objects["foreign"]["agreement"].document
    return w


def _content(data: bytes):
    from django.core.files.base import ContentFile

    return ContentFile(data)


# --- the cases -------------------------------------------------------------------------------------


@dataclass
class Case:
    """How to build the URL for a variant, and who may GET / POST it per variant.

    ``get``/``post``: a dict variant → allowed users, or ``None`` when the method is not accepted
    (405 for every signed-in user). ``variants`` lists the variants that make sense for the URL.
    """

    build: object
    get: dict | None
    post: dict | None
    data: dict = field(default_factory=dict)
    variants: tuple = ("own", "other", "foreign")


def same(allowed: set) -> dict:
    return {"own": allowed, "other": allowed, "foreign": allowed, "-": allowed}


# A programme's pages: its participants; the PCC pages are the same for the own and other variants.
PROGRAMME = {"own": PCC_ALL, "other": PCC_ALL, "foreign": FOREIGN_ALL}
PROGRAMME_WHOLE = {"own": WHOLE_PCC, "other": WHOLE_PCC, "foreign": FOREIGN_STAFF | {"site_admin"}}
PROGRAMME_STAFF = {"own": STAFF_PCC, "other": STAFF_PCC, "foreign": FOREIGN_STAFF}
# A partner's objects: whoever reads the programme whole, and that partner's people.
PARTNER_READ = {
    "own": WHOLE_PCC | PROSUR,
    "other": WHOLE_PCC | {"editor_b"},
    "foreign": FOREIGN_ALL,
}
PARTNER_WRITE = {"own": {"editor_a"}, "other": {"editor_b"}, "foreign": {"foreign_editor"}}
# Moving money between budget lines: staff, and the partner editors (between their own lines).
REALLOCATE = {
    "own": STAFF_PCC | {"editor_a", "editor_b"},
    "other": STAFF_PCC | {"editor_a", "editor_b"},
    "foreign": FOREIGN_STAFF | {"foreign_editor"},
}
# Opening a financial report: any partner editor of the programme (for its own organisation).
PROGRAMME_EDITORS = {
    "own": {"editor_a", "editor_b"},
    "other": {"editor_a", "editor_b"},
    "foreign": {"foreign_editor"},
}
# The progress forms also open to a programme's administrators, who must tick "on behalf of" to save.
ON_BEHALF = {
    "own": {"editor_a", "site_admin", "pcc_admin"},
    "other": {"editor_b", "site_admin", "pcc_admin"},
    "foreign": {"foreign_editor", "site_admin"},
}
# Imports and PDF jobs: their own user (a site administrator may look at any import, not act on it).
IMPORT_READ = {
    "own": {"staff", "site_admin"},
    "other": {"editor_b", "site_admin"},
    "foreign": {"foreign_staff", "site_admin"},
}
IMPORT_WRITE = {"own": {"staff"}, "other": {"editor_b"}, "foreign": {"foreign_staff"}}
JOB = {"own": {"staff"}, "other": {"editor_b"}, "foreign": {"foreign_staff"}}
# The PCC partner dashboard of a partner: the whole readers of its programme, and its own people.
PARTNER_DASHBOARD = {
    "own": WHOLE_PCC | PROSUR,
    "other": WHOLE_PCC | {"editor_b"},
    "foreign": FOREIGN_STAFF | {"foreign_editor"},
}
STAFF_ANYWHERE = STAFF_PCC | FOREIGN_STAFF
WHOLE_ANYWHERE = WHOLE_PCC | FOREIGN_STAFF


def o(variant_key: str, attr: str = "pk"):
    """A URL argument taken from the world's object ``variant_key`` (e.g. ``plan``) of the variant."""

    def take(w: World, variant: str):
        value = w.objects[variant][variant_key]
        return getattr(value, attr)

    return take


def url(name: str, *args, query=None):
    def build(w: World, variant: str) -> str:
        built = reverse(name, args=[a(w, variant) if callable(a) else a for a in args])
        if query:
            built += "?" + "&".join(f"{k}={v(w, variant) if callable(v) else v}" for k, v in query.items())
        return built

    return build


def kind_url(name: str):
    # The variant names a kind: own → a staff kind, other → an administrator kind, foreign → a site kind.
    kinds = {
        "own": "budget-facts",
        "other": "budget-tables",
        "foreign": "exchange-rates",
        "editor": "progress",
    }

    def build(w: World, variant: str) -> str:
        return reverse(name, args=[kinds[variant]])

    return build


KIND = {
    "own": STAFF_ANYWHERE,
    "other": {"site_admin", "pcc_admin"},
    "foreign": {"site_admin"},
    "editor": {"editor_a", "editor_b", "foreign_editor"},
}
KIND_VARIANTS = ("own", "other", "foreign", "editor")

CASES: dict[str, Case] = {
    "home": Case(url("home"), same(SIGNED_IN), same(SIGNED_IN), variants=("-",)),
    "login": Case(url("login"), same(EVERYONE), same(EVERYONE), variants=("-",)),
    "logout": Case(url("logout"), None, same(EVERYONE), variants=("-",)),
    "set_language": Case(url("set_language"), same(EVERYONE), same(EVERYONE), {"language": "en"}, ("-",)),
    "healthz": Case(url("healthz"), same(EVERYONE), None, variants=("-",)),
    "core:glossary": Case(url("core:glossary"), same(SIGNED_IN), None, variants=("-",)),
    "search": Case(url("search", query={"q": "Arequipa"}), same(SIGNED_IN), None, variants=("-",)),
    "agreements:document": Case(url("agreements:document", o("document", "code")), PROGRAMME, None),
    "core:preferences": Case(url("core:preferences"), same(SIGNED_IN), same(SIGNED_IN), variants=("-",)),
    "imports:import_start": Case(
        url("imports:import_start"),
        same(STAFF_ANYWHERE | {"editor_a", "editor_b", "foreign_editor"}),
        same(STAFF_ANYWHERE | {"editor_a", "editor_b", "foreign_editor"}),
        variants=("-",),
    ),
    "imports:import_preview": Case(url("imports:import_preview", o("import")), IMPORT_READ, IMPORT_READ),
    "imports:import_job": Case(url("imports:import_job", o("import")), IMPORT_READ, IMPORT_READ),
    "imports:import_status": Case(url("imports:import_status", o("import")), IMPORT_READ, None),
    "imports:import_confirm": Case(url("imports:import_confirm", o("import")), None, IMPORT_WRITE),
    "imports:import_cancel": Case(url("imports:import_cancel", o("import")), None, IMPORT_WRITE),
    "imports:import_retry": Case(url("imports:import_retry", o("import")), None, IMPORT_WRITE),
    "imports:import_template": Case(kind_url("imports:import_template"), KIND, None, variants=KIND_VARIANTS),
    "imports:export": Case(kind_url("imports:export"), KIND, None, variants=KIND_VARIANTS),
    "agreements:programme_list": Case(
        url("agreements:programme_list"), same(SIGNED_IN), None, variants=("-",)
    ),
    "agreements:programme_detail": Case(
        url("agreements:programme_detail", o("programme", "code")), PROGRAMME, None
    ),
    "agreements:agreement_detail": Case(
        url("agreements:agreement_detail", o("programme", "code"), o("agreement", "code")), PROGRAMME, None
    ),
    "budgets:overview": Case(url("budgets:overview", o("programme", "code")), PROGRAMME, None),
    "budgets:reconciliation": Case(url("budgets:reconciliation", o("programme", "code")), PROGRAMME, None),
    "budgets:reconciliation_export": Case(
        url("budgets:reconciliation_export", o("programme", "code"), "xlsx"), PROGRAMME, None
    ),
    "budgets:recompute": Case(url("budgets:recompute", o("programme", "code")), None, PROGRAMME_STAFF),
    "budgets:explain": Case(
        url("budgets:explain", o("programme", "code"), o("finding")),
        None,
        PROGRAMME_STAFF,
        {"comment": "Explained in the matrix."},
    ),
    "budgets:table": Case(
        url("budgets:table", o("programme", "code"), o("table", "code")), PARTNER_READ, None
    ),
    "results:plan_list": Case(url("results:plan_list"), same(SIGNED_IN), None, variants=("-",)),
    "results:plan_detail": Case(url("results:plan_detail", o("plan", "code")), PARTNER_READ, None),
    "results:schedule": Case(url("results:schedule", o("plan", "code")), PARTNER_READ, None),
    "results:activity_detail": Case(url("results:activity_detail", o("activity")), PARTNER_READ, None),
    "results:indicator_detail": Case(url("results:indicator_detail", o("indicator")), PARTNER_READ, None),
    "results:activity_progress_create": Case(
        url("results:activity_progress_create", o("activity")), ON_BEHALF, ON_BEHALF
    ),
    "results:indicator_progress_create": Case(
        url("results:indicator_progress_create", o("indicator")), ON_BEHALF, ON_BEHALF
    ),
    "results:activity_target_change": Case(
        url("results:activity_target_change", o("activity")),
        PROGRAMME_STAFF,
        PROGRAMME_STAFF,
        {"printed": "5"},
    ),
    "results:indicator_target_change": Case(
        url("results:indicator_target_change", o("indicator")),
        PROGRAMME_STAFF,
        PROGRAMME_STAFF,
        {"printed": "5"},
    ),
    "results:progress_detail": Case(url("results:progress_detail", o("report")), PARTNER_READ, None),
    "results:progress_edit": Case(url("results:progress_edit", o("report")), ON_BEHALF, ON_BEHALF),
    "results:progress_evidence": Case(url("results:progress_evidence", o("report")), PARTNER_READ, None),
    "results:progress_submit": Case(url("results:progress_submit", o("report")), None, PARTNER_WRITE),
    "results:progress_approve": Case(url("results:progress_approve", o("report")), None, PROGRAMME_STAFF),
    "results:progress_return": Case(
        url("results:progress_return", o("report")), None, PROGRAMME_STAFF, {"comment": "Falta evidencia."}
    ),
    "results:progress_reopen": Case(
        url("results:progress_reopen", o("report")), None, PROGRAMME_STAFF, {"reason": "Corregir."}
    ),
    "results:plan_submit": Case(url("results:plan_submit", o("plan", "code")), None, PARTNER_WRITE),
    "results:plan_approve": Case(url("results:plan_approve", o("plan", "code")), None, PROGRAMME_STAFF),
    "results:plan_return": Case(
        url("results:plan_return", o("plan", "code")), None, PROGRAMME_STAFF, {"reason": "Revisar metas."}
    ),
    "results:plan_reopen": Case(
        url("results:plan_reopen", o("plan", "code")), None, PROGRAMME_STAFF, {"reason": "Revisar metas."}
    ),
    "results:review_queue": Case(url("results:review_queue"), same(STAFF_ANYWHERE), None, variants=("-",)),
    "results:period_list": Case(url("results:period_list"), same(STAFF_ANYWHERE), None, variants=("-",)),
    "results:period_lock": Case(
        url("results:period_lock", o("period")),
        None,
        {"own": STAFF_PCC, "foreign": FOREIGN_STAFF},
        {"locked": "1"},
        ("own", "foreign"),
    ),
    "finance:report_list": Case(url("finance:report_list", o("programme", "code")), PROGRAMME, None),
    "finance:report_create": Case(
        url("finance:report_create", o("programme", "code")), None, PROGRAMME_EDITORS
    ),
    "finance:disbursement_list": Case(
        url("finance:disbursement_list", o("programme", "code")), PROGRAMME, PROGRAMME_STAFF
    ),
    "finance:balance": Case(
        url("finance:balance", o("programme", "code"), o("partner", "acronym")), PARTNER_READ, None
    ),
    "finance:report_detail": Case(url("finance:report_detail", o("financial_report")), PARTNER_READ, None),
    "finance:report_edit": Case(
        url("finance:report_edit", o("financial_report")), PARTNER_WRITE, PARTNER_WRITE
    ),
    "finance:report_document": Case(
        url("finance:report_document", o("financial_report")), PARTNER_READ, None
    ),
    "finance:report_submit": Case(url("finance:report_submit", o("financial_report")), None, PARTNER_WRITE),
    "finance:report_approve": Case(
        url("finance:report_approve", o("financial_report")), None, PROGRAMME_STAFF
    ),
    "finance:report_return": Case(
        url("finance:report_return", o("financial_report")), None, PROGRAMME_STAFF, {"comment": "Facturas."}
    ),
    "finance:report_reopen": Case(
        url("finance:report_reopen", o("financial_report")), None, PROGRAMME_STAFF, {"reason": "Corregir."}
    ),
    "finance:versions": Case(url("finance:versions", o("programme", "code")), PROGRAMME, None),
    "finance:reallocation_create": Case(
        url("finance:reallocation_create", o("programme", "code")), REALLOCATE, REALLOCATE
    ),
    "finance:version_detail": Case(url("finance:version_detail", o("budget_version")), PARTNER_READ, None),
    "finance:version_approve": Case(
        url("finance:version_approve", o("budget_version")), None, PROGRAMME_STAFF
    ),
    "finance:version_reject": Case(
        url("finance:version_reject", o("budget_version")),
        None,
        PROGRAMME_STAFF,
        {"comment": "Sin sustento."},
    ),
    "reports:portfolio": Case(url("reports:portfolio"), same(WHOLE_ANYWHERE), None, variants=("-",)),
    "reports:partner_dashboard": Case(
        url("reports:partner_dashboard", query={"partner": o("partner", "acronym")}), PARTNER_DASHBOARD, None
    ),
    "reports:progress_report": Case(
        url(
            "reports:progress_report",
            "xlsx",
            query={"partner": o("partner", "acronym"), "period": o("period")},
        ),
        PARTNER_DASHBOARD,
        None,
    ),
    "reports:job": Case(url("reports:job", o("job")), JOB, None),
    "reports:job_status": Case(url("reports:job_status", o("job")), JOB, None),
    "reports:job_download": Case(url("reports:job_download", o("job")), JOB, None),
    "reports:programme_dashboard": Case(
        url("reports:programme_dashboard", o("programme", "code")), PROGRAMME_WHOLE, None
    ),
    "reports:operational_plan": Case(
        url("reports:operational_plan", o("programme", "code"), "xlsx"), PROGRAMME, None
    ),
}

# Views that take a GET and a POST alike (a form, a page that is also a POST target).
FORBIDDEN = {403, 404}


def _walk(resolver: URLResolver, namespace: str = ""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue
            inner = (
                f"{namespace}:{pattern.namespace}"
                if namespace and pattern.namespace
                else (pattern.namespace or namespace)
            )
            yield from _walk(pattern, inner)
        elif isinstance(pattern, URLPattern):
            yield f"{namespace}:{pattern.name}" if namespace else pattern.name


def test_every_url_has_a_case():
    names = set(_walk(get_resolver()))
    assert names - CASES.keys() == set(), "URLs without an access case"
    assert CASES.keys() - names == set(), "cases for URLs that no longer exist"


def _request(client, method: str, path: str, data: dict):
    with transaction.atomic():
        response = getattr(client, method)(path, data)
        transaction.set_rollback(True)
    return response


def _outcome(response) -> str:
    if response.status_code in FORBIDDEN:
        return "refused"
    if response.status_code == 405:
        return "method"
    if response.status_code == 302 and response["Location"].startswith(reverse("login")):
        return "login"
    return "allowed"


MATRIX = [(name, method) for name in CASES for method in ("get", "post")]


@pytest.mark.parametrize(("name", "method"), MATRIX, ids=[f"{n}-{m}" for n, m in MATRIX])
def test_access_matrix(name, method, world, client):
    case = CASES[name]
    allowed_by_variant = getattr(case, method)
    failures = []
    for variant in case.variants:
        path = case.build(world, variant)
        for who in USERS:
            user = world.users[who]
            client.logout()
            if user is not None:
                client.force_login(user)
            outcome = _outcome(_request(client, method, path, case.data))
            if name == "logout" and method == "post":
                expected = {"login"}  # signed out, to the login page
            elif allowed_by_variant is None:
                expected = {"method", "login"} if who == "anonymous" else {"method"}
            elif who in allowed_by_variant[variant]:
                expected = {"allowed"}
            elif who == "anonymous":
                expected = {"login"}
            else:
                expected = {"refused"}
            if outcome not in expected:
                failures.append(
                    f"{method.upper()} {path} as {who} ({variant}): {outcome}, expected {expected}"
                )
    assert not failures, "\n".join(failures)


# --- the admin ------------------------------------------------------------------------------------


def _admin_urls() -> list[str]:
    paths = [reverse("admin:index")]
    for model in admin.site._registry:
        meta = model._meta
        paths.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
        for action in ("import", "export"):
            try:
                paths.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_{action}"))
            except Exception:  # noqa: BLE001 - a model without import-export
                pass
    return paths


def test_the_admin_and_its_exports_are_for_site_administrators_only(world, client):
    failures = []
    for path in _admin_urls():
        for who in USERS:
            client.logout()
            if world.users[who] is not None:
                client.force_login(world.users[who])
            response = client.get(path)
            allowed = response.status_code == 200
            if allowed != (who == "site_admin"):
                failures.append(f"GET {path} as {who}: {response.status_code}")
    assert not failures, "\n".join(failures)
