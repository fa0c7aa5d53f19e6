"""The imports' default writer: on PostgreSQL, COPY stores exactly what bulk_create stores.

Each test writes the same objects twice through ``bulk_write``: once by COPY, once with
``PCC_IMPORT_COPY`` off (django-simple-history's ``bulk_create_with_history`` /
``bulk_update_with_history``, the reference), then compares every stored column of both, in the
model's table and in its history table.
"""

from __future__ import annotations

import dataclasses
import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Value
from django.db.models.functions import Concat
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from djmoney.money import Money

from budgets.models import BudgetFact, BudgetRow
from core.models import Document, ExchangeRate, GlossaryTerm, ImportRecord
from imports.registry import ImportContext, get_importer
from imports.writes import bulk_write
from reconciliation.models import Finding, ReconciliationRule

pytestmark = pytest.mark.postgres

# Text that a COPY stream must carry untouched: separators, quotes, escapes, line breaks, accents.
AWKWARD = [
    "",
    "plain",
    "a,b;c",
    'say "hi"',
    "it's",
    "back\\slash \\N",
    "tab\there",
    "two\nlines\r\n",
    "año ñ €",
]


@pytest.fixture(autouse=True)
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("COPY is PostgreSQL's; elsewhere the writer is bulk_create itself")


@pytest.fixture
def context(staff_user):
    record = ImportRecord.objects.create(
        user=staff_user, kind="exchange-rates", file_name="rates.xlsx", sha256="0" * 64, size=1
    )

    def for_model(model) -> ImportContext:
        importer = dataclasses.replace(get_importer("exchange-rates"), model=model)
        return ImportContext(user=staff_user, importer=importer, record=record)

    return for_model


def write(settings, context, creates, *, copy: bool, updates=(), fields=()) -> list[str]:
    """Write through ``bulk_write`` by COPY or by the reference; the statements that wrote."""
    settings.PCC_IMPORT_COPY = copy
    model = type((list(creates) or list(updates))[0])
    with CaptureQueriesContext(connection) as queries:
        bulk_write(list(creates), list(updates), list(fields), context(model))
    return [q["sql"].split()[0] for q in queries.captured_queries if q["sql"].startswith(("INSERT", "COPY"))]


def stored(model, obj, *, ignore: set[str]) -> dict:
    row = model._default_manager.filter(pk=obj.pk).values().get()
    return {name: value for name, value in row.items() if name not in ignore | {"id"}}


def history(model, obj, *, ignore: set[str]) -> list[dict]:
    rows = model.history.filter(id=obj.pk).order_by("history_id").values()
    return [
        {k: v for k, v in row.items() if k not in ignore | {"id", "history_id", "history_date"}}
        for row in rows
    ]


def assert_same_rows(model, copied, reference, *, ignore: set[str], staff_user, record_reason: str):
    for ours, theirs in zip(copied, reference, strict=True):
        assert ours.pk is not None and not ours._state.adding
        assert stored(model, ours, ignore=ignore) == stored(model, theirs, ignore=ignore)
        assert history(model, ours, ignore=ignore) == history(model, theirs, ignore=ignore)
    for obj in copied:
        (row,) = model.history.filter(id=obj.pk).values(
            "history_type", "history_user_id", "history_change_reason"
        )
        assert row == {
            "history_type": "+",
            "history_user_id": staff_user.pk,
            "history_change_reason": record_reason,
        }
    dates = model.history.filter(id__in=[o.pk for o in copied]).values_list("history_date", flat=True)
    assert all(abs(timezone.now() - date) < datetime.timedelta(minutes=5) for date in dates)


def reason() -> str:
    return f"import #{ImportRecord.objects.latest('pk').pk}"


def test_exchange_rates_copied_are_the_rates_bulk_create_writes(settings, context, staff_user):
    document = Document.objects.first()

    def rates(prefix):
        return [
            ExchangeRate(
                code=f"{prefix}-{n}",
                base_currency="CHF",
                quote_currency="PEN",
                rate=Decimal("2.650001") + n,
                valid_from=datetime.date(2008, 9, 1),
                valid_to=datetime.date(2008, 12, 31),
                description=text,
                used_by=AWKWARD[-1 - n],
                document_id=document.pk if n % 2 else None,
                line=n or None,
            )
            for n, text in enumerate(AWKWARD)
        ]

    copied, reference = rates("copied"), rates("reference")
    assert set(write(settings, context, copied, copy=True)) == {"COPY"}
    assert set(write(settings, context, reference, copy=False)) == {"INSERT"}
    assert_same_rows(
        ExchangeRate, copied, reference, ignore={"code"}, staff_user=staff_user, record_reason=reason()
    )


def test_budget_figures_copied_keep_money_currency_markers_and_links(settings, context, staff_user, pcc):
    model_fact = BudgetFact.objects.filter(amount__isnull=False, rate__isnull=False).first()
    table, column = model_fact.budget_table, model_fact.column
    last_line = max(BudgetRow.objects.filter(table=table).values_list("line", flat=True))

    def facts(offset):
        made = []
        for n, (amount, marker) in enumerate(
            [
                (Money(Decimal("1288583.00"), "USD"), ""),
                (Money(Decimal("-23940.5"), "CHF"), ""),
                (Money(Decimal("0"), "PEN"), ""),
                (None, "-"),
            ]
        ):
            row = BudgetRow.objects.create(
                table=table, line=last_line + offset + n + 1, order=900 + offset + n
            )
            made.append(
                BudgetFact(
                    programme_id=table.programme_id,
                    budget_table=table,
                    row=row,
                    column=column,
                    document_id=table.document_id,
                    line=row.line,
                    table=AWKWARD[n + 3],
                    row_label=AWKWARD[n + 4],
                    column_header=column.header,
                    partner_id=model_fact.partner_id,
                    component_id=model_fact.component_id,
                    result="R1",
                    period_label="2008",
                    period_start=datetime.date(2008, 1, 1) if n % 2 else None,
                    period_end=datetime.date(2008, 12, 31) if n % 2 else None,
                    figure=model_fact.figure,
                    is_total=bool(n % 2),
                    amount=amount,
                    marker=marker,
                    text=AWKWARD[n + 1][:60],
                    rate=model_fact.rate if n % 2 else None,
                )
            )
        return made

    copied, reference = facts(0), facts(100)
    assert set(write(settings, context, copied, copy=True)) == {"COPY"}
    assert set(write(settings, context, reference, copy=False)) == {"INSERT"}
    assert_same_rows(
        BudgetFact,
        copied,
        reference,
        ignore={"row_id", "line"},
        staff_user=staff_user,
        record_reason=reason(),
    )
    assert BudgetFact.objects.get(pk=copied[1].pk).amount == Money(Decimal("-23940.50"), "CHF")


def test_rules_and_findings_copied_keep_json_decimals_booleans_and_timestamps(
    settings, context, staff_user, pcc
):
    params = [
        {},
        {"tables": ["sp12-cuadro-1"], "tolerance": "0.5", "nested": {"a": [1, 2.5, None, True]}},
        ["a list", 'with "quotes"', "back\\slash", "línea\nnueva"],
        {"empty": "", "null": None},
    ]

    def rules(prefix):
        return [
            ReconciliationRule(
                programme=pcc,
                code=f"{prefix}-{n}",
                kind="sum",
                description=AWKWARD[n + 2],
                params=value,
                absolute_tolerance=Decimal("1.00") if n % 2 else None,
                relative_tolerance=Decimal("0.5") if n % 2 else None,
                active=bool(n % 2),
            )
            for n, value in enumerate(params)
        ]

    copied, reference = rules("copied"), rules("reference")
    assert set(write(settings, context, copied, copy=True)) == {"COPY"}
    assert set(write(settings, context, reference, copy=False)) == {"INSERT"}
    assert_same_rows(
        ReconciliationRule, copied, reference, ignore={"code"}, staff_user=staff_user, record_reason=reason()
    )

    explained_at = timezone.now() - datetime.timedelta(days=3)

    def findings(rules_written):
        return [
            Finding(
                rule=rule,
                key=f"key-{n}",
                severity="material",
                stated="4'087'460.00",
                recomputed=AWKWARD[n + 1],
                difference=Decimal("-0.000001") if n % 2 else None,
                currency="CHF",
                table=AWKWARD[n + 5],
                lines=[214, 215] if n % 2 else [],
                message=AWKWARD[n + 3],
                explanation=AWKWARD[n],
                explained_by=staff_user if n % 2 else None,
                explained_at=explained_at if n % 2 else None,
            )
            for n, rule in enumerate(rules_written)
        ]

    copied, reference = findings(copied), findings(reference)
    assert set(write(settings, context, copied, copy=True)) == {"COPY"}
    assert set(write(settings, context, reference, copy=False)) == {"INSERT"}
    # first_seen is now() when each row is written (auto_now_add): set, but not the same instant.
    assert_same_rows(
        Finding,
        copied,
        reference,
        ignore={"rule_id", "first_seen"},
        staff_user=staff_user,
        record_reason=reason(),
    )
    assert all(Finding.objects.get(pk=f.pk).first_seen is not None for f in copied)


def test_changed_rows_get_the_history_rows_bulk_update_writes(settings, context, staff_user):
    def rates(prefix):
        made = [
            ExchangeRate(
                code=f"{prefix}-{n}",
                base_currency="USD",
                quote_currency="CHF",
                rate=Decimal("1.25"),
                valid_from=datetime.date(2005, 9, 1),
                valid_to=datetime.date(2008, 12, 31),
            )
            for n in range(3)
        ]
        ExchangeRate.objects.bulk_create(made)
        for n, rate in enumerate(made):
            rate.rate = Decimal("1.30") + n
            rate.description = AWKWARD[n + 4]
        return made

    copied, reference = rates("copied"), rates("reference")
    fields = ["rate", "description"]
    assert set(write(settings, context, [], updates=copied, fields=fields, copy=True)) == {"COPY"}
    assert set(write(settings, context, [], updates=reference, fields=fields, copy=False)) == {"INSERT"}
    for ours, theirs in zip(copied, reference, strict=True):
        assert stored(ExchangeRate, ours, ignore={"code"}) == stored(ExchangeRate, theirs, ignore={"code"})
        assert history(ExchangeRate, ours, ignore={"code"}) == history(ExchangeRate, theirs, ignore={"code"})
        assert history(ExchangeRate, ours, ignore={"code"})[0]["history_type"] == "~"


def test_a_value_copy_cannot_carry_is_written_by_bulk_create(settings, context, staff_user):
    rate = ExchangeRate(
        code="computed",
        base_currency="CHF",
        quote_currency="PEN",
        rate=Decimal("2.65"),
        valid_from=datetime.date(2008, 9, 1),
        valid_to=datetime.date(2008, 12, 31),
        description=Concat(Value("1 CHF = "), Value("2.65 PEN")),
    )
    assert set(write(settings, context, [rate], copy=True)) == {"INSERT"}
    assert ExchangeRate.objects.get(code="computed").description == "1 CHF = 2.65 PEN"
    assert ExchangeRate.history.get(code="computed").history_change_reason == reason()


def test_a_model_without_history_is_copied_and_updated_without_history(settings, context, pcc):
    # A glossary term keeps no history (budget rows did, until they got theirs: see
    # tests/budgets/test_structure_history.py for the COPY of their history rows).
    document = Document.objects.first()

    def terms(prefix):
        return [
            GlossaryTerm(acronym=f"{prefix}-{n}", meaning=meaning, document=document, line=n)
            for n, meaning in enumerate(AWKWARD)
        ]

    copied, reference = terms("copied"), terms("reference")
    assert set(write(settings, context, copied, copy=True)) == {"COPY"}
    assert set(write(settings, context, reference, copy=False)) == {"INSERT"}
    for terms_written in (copied, reference):
        for term in terms_written:
            term.meaning = term.meaning.upper()
    assert write(settings, context, [], updates=copied, fields=["meaning"], copy=True) == []
    assert write(settings, context, [], updates=reference, fields=["meaning"], copy=False) == []
    for ours, theirs in zip(copied, reference, strict=True):
        assert stored(GlossaryTerm, ours, ignore={"acronym"}) == stored(
            GlossaryTerm, theirs, ignore={"acronym"}
        )
