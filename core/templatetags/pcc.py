"""Template helpers: money in the reader's number format, acronyms with their meaning as a tooltip."""

from __future__ import annotations

import re
from decimal import Decimal

from django import template
from django.core.cache import cache
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

from core.i18n import ProgrammeText, change_reason_text, marked
from core.money import round_amount

register = template.Library()

SEPARATORS = {"ch": ("'", "."), "pe": (",", ".")}
CURRENCY_LABELS = {"USD": "US$"}


def format_amount(amount: Decimal, number_format: str = "pe", places: int = 2) -> str:
    thousands, decimal = SEPARATORS.get(number_format, SEPARATORS["pe"])
    value = round_amount(Decimal(amount), places)
    sign = "-" if value < 0 else ""
    integer, _, fraction = f"{abs(value):f}".partition(".")
    groups = []
    while len(integer) > 3:
        groups.insert(0, integer[-3:])
        integer = integer[:-3]
    groups.insert(0, integer)
    text = thousands.join(groups)
    return f"{sign}{text}{decimal}{fraction}" if places else f"{sign}{text}"


def reader_format(context) -> str:
    user = getattr(context.get("request"), "user", None)
    if user is not None and user.is_authenticated:
        if user.number_format:
            return user.number_format
        cached = getattr(user, "_org_number_format", None)
        if cached is None:
            membership = user.memberships.select_related("organisation").first()
            cached = membership.organisation.number_format if membership else "pe"
            user._org_number_format = cached
        return cached
    return "pe"


@register.simple_tag(takes_context=True)
def money(context, value, places: int = 2):
    """``{% money fact.amount %}`` → ``CHF 4'087'460.00`` or ``US$ 3,283,290.00`` by the reader's format."""
    if value is None or value == "":
        return "—"
    currency = str(value.currency)
    text = format_amount(value.amount, reader_format(context), places)
    return format_html('<span class="money">{}&nbsp;{}</span>', CURRENCY_LABELS.get(currency, currency), text)


@register.simple_tag(takes_context=True)
def amount(context, value, places: int = 2):
    if value is None or value == "":
        return "—"
    return format_amount(value, reader_format(context), places)


def _glossary() -> dict[str, str]:
    from core.models import GlossaryTerm

    terms = cache.get("pcc-glossary")
    if terms is None:
        terms = dict(GlossaryTerm.objects.values_list("acronym", "meaning"))
        cache.set("pcc-glossary", terms, 300)
    return terms


@register.filter
def acronyms(text: str) -> str:
    """Wrap every known acronym of ``text`` in ``<abbr title=meaning>`` (escapes the rest)."""
    if isinstance(text, ProgrammeText) and text.fallback:  # Spanish for want of English: say so
        return marked(acronyms(text.text), text.lang)
    terms = {k: v for k, v in _glossary().items() if len(k) > 2}
    escaped = escape(text or "")
    if not terms:
        return mark_safe(escaped)
    pattern = re.compile(r"\b(" + "|".join(sorted(map(re.escape, terms), key=len, reverse=True)) + r")\b")
    return mark_safe(
        pattern.sub(lambda m: f'<abbr title="{escape(terms[m.group(1)])}">{m.group(1)}</abbr>', escaped)
    )


@register.filter
def change_reason(reason: str | None) -> str:
    """Why a history row was written, in the reader's language (the loader's and imports' own words)."""
    return change_reason_text(reason)
