"""The cells every target row of a plan shows (target, progress, source line), as tags.

A plan's page draws these for each of its ~70 indicators and activities: an ``{% include %}`` per cell
cost a template render each (three per row), these tags write the same HTML directly.
"""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from core import formatting

register = template.Library()

_choice_labels: dict = {}  # (model, field name) → {value: lazy label}, built once per process


def choice_label(item, field: str) -> str:
    """``item.get_<field>_display()`` without Django rebuilding (and hashing) the choices on every call."""
    key = (type(item), field)
    labels = _choice_labels.get(key)
    if labels is None:
        labels = _choice_labels[key] = dict(type(item)._meta.get_field(field).flatchoices)
    value = getattr(item, field)
    return str(labels.get(value, value))


def _document_url(context, document) -> str:
    """The document's URL, reversed once per page (every row of a plan points into the same document)."""
    cache = context.render_context.setdefault("results_cells_document_urls", {})
    url = cache.get(document.code)
    if url is None:
        url = cache[document.code] = reverse("agreements:document", args=[document.code])
    return url


@register.simple_tag(takes_context=True)
def source_link(context, document, lines) -> SafeString:
    """``line 12, 13`` linking to those lines of the document."""
    lines = list(lines or [])
    return format_html(
        '<a class="source-line" href="{}?lines={}#L{}" title="{}">{} {}</a>',
        _document_url(context, document),
        ",".join(str(line) for line in lines),
        lines[0] if lines else "",
        gettext("Source line"),
        gettext("line"),
        ", ".join(str(line) for line in lines),
    )


@register.simple_tag
def target_cell(item) -> SafeString:
    """The target as printed, its type as a tooltip, and whether lower is better."""
    html = format_html(
        '<span title="{}">{}</span>',
        choice_label(item, "target_kind"),
        item.target_text or formatting.MISSING,
    )
    if item.lower_is_better:
        html += format_html(' <span class="badge">{}</span>', gettext("lower is better"))
    return html


@register.simple_tag
def progress_cell(item) -> SafeString:
    """What is achieved (and its percentage of the target), then the latest report's period and status."""
    html = SafeString("")
    achieved = item.achieved
    if achieved is not None:
        html = format_html('<span class="num">{}</span>', formatting.amount(achieved, places=2))
        percent = item.achieved_percent
        if percent is not None:
            html += format_html(" ({})", formatting.percent(percent, places=1))
    html += SafeString("\n")
    if getattr(item, "latest_status", None):
        html += format_html(
            '<a href="{}"><span class="badge">{}: {}</span></a>',
            reverse("results:progress_detail", args=[item.latest_report_id]),
            item.latest_period,
            item.latest_status_label,
        )
    return html
