"""core.upsert: create or update on a natural key, and write nothing (no history row) when nothing differs."""

import datetime
from decimal import Decimal

from djmoney.money import Money

from agreements.models import AgreementCeiling
from core.models import Document, ExchangeRate
from core.upsert import upsert
from results.models import Result
from tests.factories import AgreementFactory

RATE = "pcc-chf-usd-1-25"


def _rate_values(stored: ExchangeRate, **changes) -> dict:
    values = {
        "base_currency": stored.base_currency,
        "quote_currency": stored.quote_currency,
        "rate": stored.rate,
        "valid_from": stored.valid_from,
        "valid_to": stored.valid_to,
        "description": stored.description,
        "used_by": stored.used_by,
        "document": stored.document,
        "line": stored.line,
    }
    return {**values, **changes}


def test_a_missing_row_is_created_with_one_history_row_and_the_reason(pcc):
    values = _rate_values(ExchangeRate.objects.get(code=RATE), rate=Decimal("1.30"))
    rate, changed = upsert(ExchangeRate, {"code": "new-rate"}, values, reason="loaded from here")
    assert changed
    assert ExchangeRate.objects.get(code="new-rate").rate == Decimal("1.30")
    assert [h.history_change_reason for h in rate.history.all()] == ["loaded from here"]


def test_equal_values_in_another_form_write_nothing(pcc, django_assert_num_queries):
    stored = ExchangeRate.objects.get(code=RATE)
    history = stored.history.count()
    values = _rate_values(
        stored,
        rate="1.250000",  # text for a decimal column
        valid_from=stored.valid_from.isoformat(),  # text for a date
        document=Document.objects.get(pk=stored.document_id),  # another instance of the same row
        line=str(stored.line),  # text for an integer
    )
    with django_assert_num_queries(1):  # the look-up, no save
        obj, changed = upsert(ExchangeRate, {"code": RATE}, values, reason="reload")
    assert (obj.pk, changed) == (stored.pk, False)
    assert stored.history.count() == history


def test_a_change_saves_only_what_differs_with_one_history_row(pcc):
    stored = ExchangeRate.objects.get(code=RATE)
    history = stored.history.count()
    upsert(ExchangeRate, {"code": RATE}, _rate_values(stored, valid_to="2009-06-30"), reason="new end")
    assert ExchangeRate.objects.get(code=RATE).valid_to == datetime.date(2009, 6, 30)
    assert stored.history.count() == history + 1
    assert stored.history.first().history_change_reason == "new end"


def test_an_amount_is_compared_with_its_currency_and_the_currency_is_saved(db):
    ceiling = AgreementCeiling.objects.create(
        agreement=AgreementFactory(), amount=Money(Decimal("4000000.00"), "CHF"), line=1
    )
    lookup = {"agreement": ceiling.agreement}
    same = upsert(AgreementCeiling, lookup, {"amount": Money("4000000", "CHF"), "line": 1})
    assert same == (ceiling, False)
    assert ceiling.history.count() == 1

    _, changed = upsert(AgreementCeiling, lookup, {"amount": Money("4000000", "USD"), "line": 1})
    assert changed
    assert AgreementCeiling.objects.get(pk=ceiling.pk).amount == Money(Decimal("4000000"), "USD")
    assert ceiling.history.count() == 2


def test_json_is_compared_as_stored(pcc):
    result = Result.objects.exclude(extra_lines=[]).first()
    _, changed = upsert(
        Result, {"plan": result.plan_id, "code": result.code}, {"extra_lines": tuple(result.extra_lines)}
    )
    assert not changed
