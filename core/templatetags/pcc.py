"""Template helpers: figures and dates by core.formatting, acronyms with their meaning as a tooltip."""

from __future__ import annotations

import re
import time

from django import template
from django.core.cache import cache
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

from core import formatting
from core.i18n import ProgrammeText, change_reason_text, marked

register = template.Library()

# Thin wrappers of core.formatting, the one formatter: the reader's style is the request's (its middleware).


@register.simple_tag
def money(value, places: int = 2):
    """``{% money fact.amount %}`` → ``CHF 4'087'460.00`` or ``US$ 3,283,290.00`` by the reader's style."""
    if value is None or value == "":
        return formatting.MISSING
    text = formatting.amount(value.amount, places=places)
    return format_html(
        '<span class="money">{}&nbsp;{}</span>', formatting.currency_label(value.currency), text
    )


@register.simple_tag
def amount(value, places: int | None = 2):
    """``{% amount total %}`` → ``4'087'460.00``; ``{% amount rate None %}`` keeps the figure's decimals."""
    return formatting.amount(value, places=places)


@register.filter
def as_money(value):
    """Money as text, for a ``blocktranslate`` parameter."""
    return formatting.money(value)


@register.filter
def as_amount(value, places=2):
    return formatting.amount(value, places=None if places in (None, "None") else int(places))


@register.filter
def as_percent(value, places=1):
    """``50`` → ``50.0 %``."""
    return formatting.percent(value, places=int(places))


@register.filter
def as_size(value):
    """A file size in bytes → ``12.3 KB``."""
    return formatting.size(value)


@register.filter
def as_date(value):
    """``31.10.2008`` (the active language's date style)."""
    return formatting.date(value)


@register.filter
def as_datetime(value):
    """``31.10.2008 14:05`` in the site's time zone."""
    return formatting.datetime(value)


@register.filter
def as_month(value, year=True):
    """``Oct 2008``; ``|as_month:False`` → ``Oct``."""
    return formatting.month(value, year=year not in (False, "False", "false", "0"))


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
    if isinstance(text, ProgrammeText) and text.fallback:  # Spanish for want of English: say so
        return marked(acronyms(text.text), text.lang)
    escaped = escape(text or "")
    compiled = _acronym_pattern()
    if compiled is None or not escaped:
        return mark_safe(escaped)
    pattern, tags = compiled
    return mark_safe(pattern.sub(lambda m: tags[m.group(1)], escaped))


@register.filter
def change_reason(reason: str | None) -> str:
    """Why a history row was written, in the reader's language (the loader's and imports' own words)."""
    return change_reason_text(reason)
