"""Template helpers of the dashboards."""

from __future__ import annotations

from django import template
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

from core.templatetags.pcc import money

register = template.Library()


@register.simple_tag
def money_list(amounts) -> str:
    """Several amounts, one per currency, each in the reader's format on its own line; ``—`` if none."""
    if not amounts:
        return "—"
    return format_html_join(mark_safe("<br>"), "{}", ((money(m),) for m in amounts))
