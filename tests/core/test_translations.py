"""The Spanish catalogues are complete: every string of the UI has a reviewed Spanish translation.

The .po files are read with a small parser below (no new dependency): an entry counts when it is not
obsolete (``#~``) and is not the header; it is untranslated when its ``msgstr`` (or any of the
``msgstr[n]`` a plural needs) is empty, and unreviewed when it is flagged ``fuzzy``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from html import unescape
from pathlib import Path

import pytest
import yaml
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.urls import reverse
from django.utils import translation
from django.utils.functional import Promise
from djmoney.money import Money

from core.i18n import Message, Text, change_reason_text
from core.models import StatusChange
from reconciliation.models import Finding, ReconciliationRule
from results.models import Activity, Indicator, ProgressReport, ProgressStatus, ReportingPeriod, WorkPlan

BASE_DIR = Path(__file__).resolve().parent.parent.parent
CATALOGUES = [
    BASE_DIR / "locale" / "es" / "LC_MESSAGES" / "django.po",
    BASE_DIR / "results" / "locale" / "es" / "LC_MESSAGES" / "django.po",
]

PCC_FIXTURES = BASE_DIR / "fixtures" / "pcc"

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "a": "\a", "b": "\b", "f": "\f", "v": "\v"}


def _unquote(text: str) -> str:
    text = text.strip()
    if not (len(text) >= 2 and text[0] == '"' and text[-1] == '"'):
        raise ValueError(f"not a quoted PO string: {text!r}")
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), text[1:-1])


@dataclass
class Entry:
    line: int
    flags: set[str] = field(default_factory=set)
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        context = f"[{self.msgctxt}] " if self.msgctxt is not None else ""
        return f"{context}{self.msgid!r} (line {self.line})"


def parse_po(path: Path) -> list[Entry]:
    """The non-obsolete entries of a .po file, header included (its msgid is empty)."""
    entries: list[Entry] = []
    entry: Entry | None = None
    target: tuple[str, int | None] | None = None  # the field the next continuation line extends

    def finish() -> None:
        nonlocal entry, target
        if entry is not None:
            entries.append(entry)
        entry, target = None, None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            finish()
            continue
        if line.startswith("#~"):  # obsolete entry
            finish()
            continue
        if line.startswith("#"):
            if entry is not None and target is not None:  # comments start a new entry
                finish()
            if line.startswith("#,"):
                entry = entry or Entry(line=number)
                entry.flags.update(flag.strip() for flag in line[2:].split(",") if flag.strip())
            continue
        if line.startswith('"'):
            if entry is None or target is None:
                raise ValueError(f"{path}:{number}: continuation line outside an entry")
            name, index = target
            if name == "msgstr":
                entry.msgstr[index] += _unquote(line)
            else:
                setattr(entry, name, getattr(entry, name) + _unquote(line))
            continue
        keyword, _, value = line.partition(" ")
        if (
            keyword in ("msgctxt", "msgid")
            and entry is not None
            and target is not None
            and target[0] == "msgstr"
        ):
            finish()
        entry = entry or Entry(line=number)
        if keyword in ("msgctxt", "msgid", "msgid_plural"):
            setattr(entry, keyword, _unquote(value))
            target = (keyword, None)
        elif match := re.fullmatch(r"msgstr(?:\[(\d+)\])?", keyword):
            index = int(match.group(1) or 0)
            entry.msgstr[index] = _unquote(value)
            target = ("msgstr", index)
        else:
            raise ValueError(f"{path}:{number}: unexpected line {raw!r}")
    finish()
    return entries


def _nplurals(entries: list[Entry]) -> int:
    header = next((e for e in entries if e.msgid == "" and e.msgctxt is None), None)
    match = re.search(r"nplurals\s*=\s*(\d+)", header.msgstr.get(0, "")) if header else None
    return int(match.group(1)) if match else 2


def _messages(path: Path) -> tuple[list[Entry], int]:
    entries = parse_po(path)
    return [e for e in entries if not (e.msgid == "" and e.msgctxt is None)], _nplurals(entries)


def _placeholders(text: str) -> set[str]:
    return set(re.findall(r"%\(\w+\)[#0 +-]*\d*(?:\.\d+)?[a-zA-Z]", text)) | set(re.findall(r"\{\w*\}", text))


def test_the_parser_reads_plurals_flags_continuations_and_skips_obsolete(tmp_path):
    po = tmp_path / "django.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Plural-Forms: nplurals=3; plural=n == 1 ? 0 : 2;\\n"\n\n'
        '#: a.py:1\n#, python-format\nmsgid "Hello %(n)s"\nmsgstr ""\n"Hola "\n"%(n)s"\n\n'
        '#, fuzzy\n#| msgid "Old"\nmsgid "New"\nmsgstr "Viejo"\n\n'
        'msgctxt "menu"\nmsgid "File"\nmsgid_plural "Files"\nmsgstr[0] "Archivo"\nmsgstr[1] ""\nmsgstr[2] "Archivos"\n\n'
        '#~ msgid "Gone"\n#~ msgstr "Ido"\n',
        encoding="utf-8",
    )
    messages, nplurals = _messages(po)
    assert nplurals == 3
    assert [(e.msgctxt, e.msgid) for e in messages] == [
        (None, "Hello %(n)s"),
        (None, "New"),
        ("menu", "File"),
    ]
    assert messages[0].msgstr == {0: "Hola %(n)s"} and messages[0].flags == {"python-format"}
    assert "fuzzy" in messages[1].flags
    assert messages[2].msgid_plural == "Files" and messages[2].msgstr == {0: "Archivo", 1: "", 2: "Archivos"}


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: str(p.relative_to(BASE_DIR)))
def test_every_spanish_entry_is_translated_and_reviewed(path):
    messages, nplurals = _messages(path)
    assert messages, f"{path} has no entries"
    untranslated = [
        e.label
        for e in messages
        if any(not e.msgstr.get(i) for i in (range(nplurals) if e.msgid_plural is not None else [0]))
    ]
    fuzzy = [e.label for e in messages if "fuzzy" in e.flags]
    assert not untranslated, f"{len(untranslated)} untranslated in {path}:\n" + "\n".join(untranslated)
    assert not fuzzy, f"{len(fuzzy)} fuzzy (unreviewed) in {path}:\n" + "\n".join(fuzzy)


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: str(p.relative_to(BASE_DIR)))
def test_translations_keep_the_placeholders(path):
    messages, _ = _messages(path)
    wrong = []
    for e in messages:
        source = _placeholders(e.msgid) | _placeholders(e.msgid_plural or "")
        for index, text in e.msgstr.items():
            found = _placeholders(text)
            # A singular form may leave out the count; otherwise the placeholders are the source's.
            if text and (found != source if e.msgid_plural is None else not found <= source):
                wrong.append(f"{e.label} msgstr[{index}]: {text!r}")
    assert not wrong, "placeholders differ from the source:\n" + "\n".join(wrong)


@pytest.mark.parametrize(
    ("msgid", "spanish"),
    [
        # agreements
        ("Programmes", "Programas"),
        ("Consolidated terms", "Términos consolidados"),
        ("amendment", "enmienda"),
        # budgets
        ("Reconciliation", "Conciliación"),
        ("Budget overview", "Resumen del presupuesto"),
        ("findings", "hallazgos"),
        # core (preferences, spreadsheet imports)
        ("Preferences", "Preferencias"),
        ("Import a spreadsheet", "Importar una hoja de cálculo"),
        ("expected a whole number", "se esperaba un número entero"),
        # reports and dashboards
        ("Portfolio", "Cartera"),
        ("Partner dashboard", "Tablero del socio"),
        ("Progress report", "Informe de avance"),
        # results (its own catalogue and its templates)
        ("Draft", "Borrador"),
        ("Results and progress", "Resultados y avances"),
        ("Review queue", "Cola de revisión"),
        ("Work plans (POA)", "Planes de trabajo (POA)"),
    ],
)
def test_gettext_translates_each_app_into_spanish(msgid, spanish):
    with translation.override("es"):
        assert translation.gettext(msgid) == spanish
    with translation.override("en"):
        assert translation.gettext(msgid) == msgid


def test_plurals_use_the_spanish_forms():
    with translation.override("es"):
        assert translation.ngettext("%(n)s programme", "%(n)s programmes", 1) % {"n": 1} == "1 programa"
        assert translation.ngettext("%(n)s programme", "%(n)s programmes", 3) % {"n": 3} == "3 programas"
        assert translation.ngettext("%(n)s programme", "%(n)s programmes", 1000000) % {"n": 1000000} == (
            "1000000 programas"
        )


# --- Python: what models, fields, choices and the admin show is translatable and translated -------------

OUR_APPS = {"core", "agreements", "reconciliation", "imports", "budgets", "results", "reports"}
# Words Spanish writes as English does.
SAME_IN_SPANISH = {"ID", "plan", "POA", "CERX", "OGD", "total", "Total", "Subtotal", "error", "n.a.", "n.d."}


def _spanish_and_english(text) -> tuple[str, str]:
    with translation.override("es"):
        spanish = str(text)
    with translation.override("en"):
        english = str(text)
    return spanish, english


def _untranslated(label: str, text) -> str | None:
    if not isinstance(text, Promise):
        return f"{label}: {text!r} is not marked for translation"
    spanish, english = _spanish_and_english(text)
    if spanish == english and english not in SAME_IN_SPANISH:
        return f"{label}: {english!r} has no Spanish"
    return None


def _our_models():
    for model in apps.get_models():
        if model._meta.app_label in OUR_APPS and not model.__name__.startswith("Historical"):
            yield model


def test_every_model_and_field_name_and_every_choice_reads_in_spanish():
    problems = []
    for model in _our_models():
        name = model.__name__
        problems.append(_untranslated(f"{name} verbose_name", model._meta.verbose_name))
        problems.append(_untranslated(f"{name} verbose_name_plural", model._meta.verbose_name_plural))
        for f in model._meta.get_fields():
            if f.auto_created or not f.concrete or f.name == "id" or f.name.endswith("_currency"):
                continue  # reverse relations, the primary key and django-money's currency half
            problems.append(_untranslated(f"{name}.{f.name}", f.verbose_name))
            for value, label in f.flatchoices:
                if value not in (".", ","):  # a decimal separator is its own label
                    problems.append(_untranslated(f"{name}.{f.name} choice {value!r}", label))
    problems = [p for p in problems if p]
    assert not problems, "\n".join(problems)


def test_the_admin_headings_and_actions_read_in_spanish():
    problems, checked = [], 0
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in OUR_APPS:
            continue
        for name in model_admin.list_display:
            attribute = getattr(model_admin, name, None) or getattr(model, name, None)
            if callable(attribute) or isinstance(attribute, property):
                target = attribute.fget if isinstance(attribute, property) else attribute
                heading = getattr(target, "short_description", None)
                if heading is not None:
                    checked += 1
                    problems.append(_untranslated(f"{model.__name__} admin column {name}", heading))
        for action in model_admin.actions or ():
            function = getattr(model_admin, action) if isinstance(action, str) else action
            checked += 1
            problems.append(
                _untranslated(
                    f"{model.__name__} admin action {function.__name__}", function.short_description
                )
            )
    problems = [p for p in problems if p]
    assert not problems, "\n".join(problems)
    assert checked  # the columns and actions of pcc's own admin were found


def test_history_reasons_of_the_loader_and_imports_read_in_the_readers_language():
    with translation.override("es"):
        assert change_reason_text("loaded from fixtures/pcc") == "cargado desde fixtures/pcc"
        assert change_reason_text("import #12") == "importación n.º 12"
        assert (
            change_reason_text("A partner asked to correct line 5.") == "A partner asked to correct line 5."
        )
    with translation.override("en"):
        assert change_reason_text("loaded from fixtures/pcc") == "loaded from fixtures/pcc"


# --- Templates: the main pages, rendered in each language, show no known string of the other -----------


def _visible_text(html: str) -> str:
    """What a reader sees of a page: the body's text, without tags, scripts or attribute values."""
    body = html.split("<body", 1)[-1]
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    body = re.sub(r"</?(abbr|span|a|strong|em|i|b|code|small)\b[^>]*>", "", body)  # within a sentence
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", body)).split())


def _known_strings() -> tuple[set[str], set[str]]:
    """(English msgids, their Spanish) of the catalogues that differ, of three words or more and without
    placeholders: long enough that a page showing one shows that string, not a coincidence."""
    english, spanish = set(), set()
    for path in CATALOGUES:
        for e in _messages(path)[0]:
            text = e.msgstr.get(0, "")
            if e.msgid_plural is not None or not text or text == e.msgid or re.search(r"[%{}]", e.msgid):
                continue
            if len(e.msgid.split()) >= 3 and len(text.split()) >= 3:
                english.add(e.msgid)
                spanish.add(text)
    both = english & spanish
    # The programme's data is the source's Spanish: an English page may quote it ("Unidad de medida").
    data = "\n".join(
        p.read_text(encoding="utf-8") for p in PCC_FIXTURES.rglob("*") if p.suffix in {".yaml", ".txt"}
    )
    return english - both, {s for s in spanish - both if s not in data}


def _main_pages(pcc) -> list[str]:
    from results.models import Activity, WorkPlan

    plan = WorkPlan.objects.filter(programme=pcc).order_by("code").first()
    activity = Activity.objects.filter(plan=plan).order_by("pk").first()
    return [
        reverse("agreements:programme_list"),
        reverse("agreements:programme_detail", args=["pcc"]),
        reverse("agreements:agreement_detail", args=["pcc", pcc.agreements.first().code]),
        reverse("budgets:overview", args=["pcc"]),
        reverse("budgets:reconciliation", args=["pcc"]),
        reverse("budgets:table", args=["pcc", "programa-cuadro-1"]),
        reverse("reports:portfolio"),
        reverse("reports:programme_dashboard", args=["pcc"]),
        reverse("results:plan_list"),
        reverse("results:plan_detail", args=[plan.code]),
        reverse("results:schedule", args=[plan.code]),
        reverse("results:activity_detail", args=[activity.pk]),
        reverse("results:review_queue"),
        reverse("results:period_list"),
        reverse("imports:import_start"),
        reverse("core:glossary"),
        reverse("admin:index"),
        reverse("admin:reconciliation_reconciliationrule_changelist"),
        reverse("admin:budgets_budgettable_changelist"),
        reverse("admin:results_progressreport_changelist"),
    ]


@pytest.mark.parametrize(("language", "other"), [("es", "en"), ("en", "es")])
def test_the_main_pages_show_no_known_string_of_the_other_language(client, admin_user, language, other):
    english, spanish = _known_strings()
    foreign = english if language == "es" else spanish
    assert len(foreign) > 100
    client.force_login(admin_user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    found = {}
    for url in _main_pages(admin_user.memberships.first().programme):
        response = client.get(url)
        assert response.status_code == 200, url
        text = _visible_text(response.content.decode())
        shown = sorted(s for s in foreign if re.search(rf"(?<!\w){re.escape(s)}(?!\w)", text))
        if shown:
            found[url] = shown
    assert not found, f"strings in {other} on pages in {language}: {found}"


# --- Data: the programme's texts in the reader's language, Spanish as in the source, English beside it ---

RULE_FILES = [
    PCC_FIXTURES / "budgets" / "rules.yaml",
    PCC_FIXTURES / "results" / "90_reconciliation_rules.yaml",
]
# fixtures/pcc/budgets/rules.yaml: a check of the Cuadro 1 of the programme (source lines 223 and 578).
PROSUR_RULE = "currency/extension-prosur"
PROSUR_ES = (
    "El monto adicional requerido de PROSUR (US$ 9,360, línea 578) aparece como CHF 9'360 en la línea de "
    "AMPEX del Cuadro 1 del programa (línea 223)."
)
PROSUR_EN = (
    "PROSUR's additional amount required (US$ 9,360, line 578) appears as CHF 9'360 on the AMPEX line of the "
    "programme's Cuadro 1 (line 223)."
)
RECONCILIATION = reverse("budgets:reconciliation", args=["pcc"])
CUADRO_1 = {"table": "programa-cuadro-1", "severity": "material"}
FALLBACK = re.compile(r"(?<!\w)\(es\) ")  # the marker of a text shown in Spanish for want of English


def _page(client, user, language: str, url: str, data=None) -> str:
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(url, data)
    assert response.status_code == 200
    return response.content.decode()


def _heading(html: str) -> str:
    return _visible_text(re.search(r"<h1\b.*?</h1>", html, flags=re.S).group(0))


def test_the_fixtures_carry_english_beside_every_rule_and_table_title():
    missing = []
    for path in RULE_FILES:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for rule in data.get("rules") or data.get("reconciliation_rules"):
            if not (rule.get("description_en") or "").strip():
                missing.append(f"{path.name}: {rule['code']}")
    for path in sorted((PCC_FIXTURES / "budgets").glob("[0-9]*.yaml")):
        if not (yaml.safe_load(path.read_text(encoding="utf-8")).get("title_en") or "").strip():
            missing.append(f"{path.name}: title")
    assert not missing, "no English: " + ", ".join(missing)


def test_every_rule_of_the_pcc_has_its_english_description(pcc):
    rules = ReconciliationRule.objects.filter(programme=pcc)
    assert rules.count() > 300  # the authored rules and those derived from each table's structure
    assert list(rules.filter(description_en="").values_list("code", flat=True)) == []
    # A derived rule names the row and columns as printed, quoted: TOTAL of the programme's Cuadro 1, line 238.
    total = rules.get(code="programa-cuadro-1/238/total:sum-columns")
    assert total.description == (
        "TOTAL (línea 238): «Total» es la suma de «2005», «2006», «2007», «2008», «2008 extensión»."
    )
    assert total.description_en == (
        "«TOTAL» (line 238): «Total» is the sum of «2005», «2006», «2007», «2008», «2008 extensión»."
    )


def test_the_reconciliation_page_shows_the_rules_in_the_readers_language(client, staff_user, pcc):
    english = _visible_text(_page(client, staff_user, "en", RECONCILIATION, CUADRO_1))
    spanish = _visible_text(_page(client, staff_user, "es", RECONCILIATION, CUADRO_1))
    assert PROSUR_EN in english and PROSUR_ES not in english
    assert PROSUR_ES in spanish and PROSUR_EN not in spanish
    assert not FALLBACK.search(english)  # every rule here has its English


def test_a_rule_without_english_shows_the_spanish_marked_as_such(client, staff_user, pcc):
    ReconciliationRule.objects.filter(programme=pcc, code=PROSUR_RULE).update(description_en="")
    html = _page(client, staff_user, "en", RECONCILIATION, CUADRO_1)
    assert f"(es) {PROSUR_ES}" in _visible_text(html)
    assert re.search(r'class="lang-fallback"[^>]*>\(es\)</span> <span lang="es">El monto adicional', html)
    # Spanish readers read the source's text, unmarked.
    spanish = _visible_text(_page(client, staff_user, "es", RECONCILIATION, CUADRO_1))
    assert PROSUR_ES in spanish and not FALLBACK.search(spanish)


def test_table_titles_and_the_programme_read_in_the_readers_language(client, staff_user, pcc):
    table = reverse("budgets:table", args=["pcc", "programa-cuadro-1"])
    # Source line 214.
    title_es = "Cuadro 1: El presupuesto en francos suizos del programa es el siguiente"
    title_en = "Cuadro 1: The programme's budget in Swiss francs is as follows"
    english = _heading(_page(client, staff_user, "en", table))
    spanish = _heading(_page(client, staff_user, "es", table))
    assert english.startswith(title_en) and spanish.startswith(title_es)
    programme = reverse("agreements:programme_detail", args=["pcc"])
    assert _heading(_page(client, staff_user, "en", programme)) == "Trade Cooperation Programme (PCC)"
    assert _heading(_page(client, staff_user, "es", programme)) == "Programa de Cooperación Comercial (PCC)"


def test_the_findings_export_reads_in_the_readers_language(client, staff_user, pcc):
    url = reverse("budgets:reconciliation_export", args=["pcc", "csv"])
    client.force_login(staff_user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(url, CUADRO_1)
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    assert PROSUR_EN in content.decode("utf-8-sig")


def test_a_progress_status_reads_in_the_readers_language(client, staff_user, pcc):
    plan = WorkPlan.objects.get(code="poa-prosur-2008")
    activity = Activity.objects.filter(plan=plan).order_by("pk").first()
    period = ReportingPeriod.objects.filter(programme=pcc).order_by("start_date").first()
    ProgressReport.objects.create(
        period=period,
        activity=activity,
        reported_on=period.start_date,
        status=ProgressStatus.APPROVED,
        created_by=staff_user,
    )
    url = reverse("results:plan_detail", args=[plan.code])
    spanish = _visible_text(_page(client, staff_user, "es", url))
    assert f"{period.label}: Aprobado" in spanish
    assert "approved" not in spanish.lower()
    assert f"{period.label}: Approved" in _visible_text(_page(client, staff_user, "en", url))


def test_the_reason_the_reconciliation_gives_for_reopening_reads_in_the_readers_language(pcc, staff_user):
    from budgets.models import BudgetFact
    from reconciliation.engine import reconcile
    from reconciliation.services import finding_explain

    reconcile(pcc)
    finding = Finding.objects.get(rule__code="ceiling/programa-total-chf")
    finding_explain(finding=finding, user=staff_user, comment="El saldo de CHF 1,076 queda sin asignar.")
    # The TOTAL of the programme's Cuadro 1 (line 238) changed, by someone reading in English.
    fact = BudgetFact.objects.get(budget_table__code="programa-cuadro-1", line=238, column__key="total")
    fact.amount = Money(Decimal("4086000"), "CHF")
    fact.save()
    with translation.override("en"):
        reconcile(pcc)
    change = StatusChange.objects.filter(object_id=finding.pk, to_status="open").latest("at")
    assert change.reason == "Detectado de nuevo con 4086000 indicado y 4087460 recalculado."  # the site's
    with translation.override("en"):
        assert change.reason_text == "Found again with stated 4086000 and recomputed 4087460."
    with translation.override("es"):
        assert change.reason_text == change.reason


# Source line 351 (activity 1.1 of PROSUR's plan) and the indicator IPR.1 of its result 1.
ACTIVITY_ES = "Participar en las reuniones de coordinación que convoque el CERX Arequipa"
INDICATOR_ES = "Al 2008 Prosur y el CERX trabajan conjuntamente en el apoyo de una asociación de productores"


def test_an_activity_and_an_indicator_read_in_spanish_marked_until_someone_writes_the_english(
    client, staff_user, pcc
):
    activity = Activity.objects.get(plan__code="poa-prosur-2008", key="1.1")
    indicator = Indicator.objects.get(result__plan__code="poa-prosur-2008", result__code="1", code="IPR.1")
    for obj, spanish in ((activity, ACTIVITY_ES), (indicator, INDICATOR_ES)):
        url = obj.get_absolute_url()
        english = _visible_text(_page(client, staff_user, "en", url))
        assert f"(es) {spanish}" in english
        es_page = _visible_text(_page(client, staff_user, "es", url))
        assert spanish in es_page and not FALLBACK.search(es_page)
    assert re.search(
        r'class="lang-fallback"[^>]*>\(es\)</span> <span lang="es">Participar en las reuniones',
        _page(client, staff_user, "en", activity.get_absolute_url()),
    )
    activity.statement_en = "Take part in the coordination meetings called by CERX Arequipa"
    activity.save()
    Indicator.objects.filter(pk=indicator.pk).update(
        statement_en="By 2008 Prosur and the CERX work together in support of a producers' association"
    )
    english = _visible_text(_page(client, staff_user, "en", activity.get_absolute_url()))
    assert "Take part in the coordination meetings called by CERX Arequipa" in english
    assert ACTIVITY_ES not in english
    english = _visible_text(_page(client, staff_user, "en", indicator.get_absolute_url()))
    assert "By 2008 Prosur and the CERX work together" in english and INDICATOR_ES not in english
    # The plan's page too.
    plan_page = _visible_text(
        _page(client, staff_user, "en", reverse("results:plan_detail", args=["poa-prosur-2008"]))
    )
    assert "Take part in the coordination meetings called by CERX Arequipa" in plan_page
    assert f"(es) {ACTIVITY_ES}" not in plan_page
    spanish = _visible_text(_page(client, staff_user, "es", activity.get_absolute_url()))
    assert ACTIVITY_ES in spanish and "Take part" not in spanish


def test_the_programme_lists_its_components_in_the_readers_language(client, staff_user, pcc):
    url = reverse("agreements:programme_detail", args=["pcc"])
    english = _visible_text(_page(client, staff_user, "en", url))
    spanish = _visible_text(_page(client, staff_user, "es", url))
    # Source line 240: "C. Línea 1: Apoyo a la promoción de exportaciones regionales en tres regiones tipo “hub” …"
    assert "Line 1: Support for the promotion of regional exports in three “hub” regions of Peru" in english
    assert "Línea 1: Apoyo a la promoción" not in english
    assert "Línea 1: Apoyo a la promoción de exportaciones regionales en tres regiones tipo “hub”" in spanish
    assert "Monitoring and Evaluation" in english and "Monitoreo y Evaluación" in spanish


def test_a_finding_naming_tables_names_them_in_the_readers_language(pcc):
    from budgets.models import BudgetFact
    from reconciliation.engine import reconcile

    # TULUM's CHF in Cuadro 5 of Subprograma 1.3 (line 946) and in Anexo 1 (line 1124) are the same figure;
    # Anexo 1 printing another makes a finding that names both tables.
    fact = BudgetFact.objects.get(budget_table__code="anexo-1-sp12-sp13", line=1124, column__key="chf")
    fact.amount = Money(fact.amount.amount + 100, "CHF")
    fact.save()
    reconcile(pcc)
    finding = Finding.objects.get(rule__code="same/tulum-chf")
    with translation.override("en"):
        english = finding.text
    with translation.override("es"):
        spanish = finding.text
    assert "Anexo 1. Budget of goods and services executed in 2008 – Subprogramme 1.2 and 1.3" in english
    assert "Cuadro 5: Detailed budget of monitoring, management and administration" in english
    assert "Presupuesto" not in english
    assert (
        "Anexo 1. Presupuesto de Bienes y Servicios ejecutados en el 2008 – Subprograma 1.2 y 1.3" in spanish
    )
    assert "Cuadro 5: Presupuesto detallado de monitoreo, gestión y administración" in spanish
    assert "Budget" not in spanish


def test_a_table_title_without_english_and_a_finding_stored_before_still_read():
    title = {"text": "Cuadro 9: Sin traducir", "en": ""}
    stored = {"id": "%(other)s (line %(ol)s, %(ot)s) against %(first)s (line %(fl)s, %(ft)s).", "params": {}}
    stored["params"] = {"other": "1", "ol": "2", "ot": title, "first": "3", "fl": "4", "ft": "Cuadro 8"}
    message = Message.from_json(stored)
    with translation.override("en"):
        assert message.render() == "1 (line 2, (es) Cuadro 9: Sin traducir) against 3 (line 4, Cuadro 8)."
    assert message.as_json() == stored  # kept as it was: a plain string stays a string
    assert Message.from_json({"id": "%(t)s", "params": {"t": Text("a", "b").as_json()}}).params["t"] == Text(
        "a", "b"
    )
