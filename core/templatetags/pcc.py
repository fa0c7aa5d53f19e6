"""Template helpers: money in the reader's number format, acronyms with their meaning as a tooltip."""

from __future__ import annotations

import re
import time
from decimal import Decimal

from django import template
from django.core.cache import cache
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

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


GLOSSARY_SECONDS = 300
_glossary_read: list = []  # [(monotonic time read, terms)]: the cached glossary, unpickled once a while


def _glossary() -> dict[str, str]:
    from core.models import GlossaryTerm

    # A page applies ``acronyms`` to hundreds of texts: not one cache read (and unpickling) for each.
    now = time.monotonic()
    if _glossary_read and now - _glossary_read[0][0] < 1:
        return _glossary_read[0][1]
    terms = cache.get("pcc-glossary")
    if terms is None:
        terms = dict(GlossaryTerm.objects.values_list("acronym", "meaning"))
        cache.set("pcc-glossary", terms, GLOSSARY_SECONDS)
    _glossary_read[:] = [(now, terms)]
    return terms


_acronym_pattern_of: list = []  # [(glossary, (pattern, tags) or None)]: the last glossary's


def _acronym_pattern() -> tuple[re.Pattern, dict[str, str]] | None:
    """The glossary's acronyms as one compiled pattern and their ``<abbr>`` tags, built once per
    glossary (a page applies the filter to hundreds of texts)."""
    glossary = _glossary()
    if not _acronym_pattern_of or _acronym_pattern_of[0][0] != glossary:
        terms = {k: v for k, v in glossary.items() if len(k) > 2}
        compiled = None
        if terms:
            alternatives = "|".join(sorted(map(re.escape, terms), key=len, reverse=True))
            compiled = (
                re.compile(r"\b(" + alternatives + r")\b"),
                {k: f'<abbr title="{escape(v)}">{k}</abbr>' for k, v in terms.items()},
            )
        _acronym_pattern_of[:] = [(glossary, compiled)]
    return _acronym_pattern_of[0][1]


@register.filter
def acronyms(text: str) -> str:
    """Wrap every known acronym of ``text`` in ``<abbr title=meaning>`` (escapes the rest)."""
    escaped = escape(text or "")
    compiled = _acronym_pattern()
    if compiled is None or not escaped:
        return mark_safe(escaped)
    pattern, tags = compiled
    return mark_safe(pattern.sub(lambda m: tags[m.group(1)], escaped))
