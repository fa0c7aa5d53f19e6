"""Readable audit trails: what changed in each historical record, computed in one query."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

TARGET_FIELDS = (
    "target_text",
    "target_kind",
    "target_value",
    "target_unit",
    "lower_is_better",
    "aggregation",
)
REPORT_FIELDS = (
    "status",
    "achieved_value",
    "achieved_text",
    "narrative",
    "evidence",
    "reported_on",
    "review_comment",
)


@dataclass
class Change:
    label: str
    before: Any
    after: Any


@dataclass
class HistoryRow:
    record: Any
    changes: list[Change] = field(default_factory=list)


def _display(model, name: str, value: Any) -> Any:
    choices = dict(model._meta.get_field(name).flatchoices)
    return choices.get(value, value) if choices else value


def history_rows(history, fields: tuple[str, ...]) -> list[HistoryRow]:
    """Newest first; each row lists the ``fields`` whose value differs from the record before it."""
    records = list(history.select_related("history_user").order_by("history_date", "history_id"))
    rows, previous = [], None
    for record in records:
        model = record.instance_type
        row = HistoryRow(record)
        for name in fields:
            after = getattr(record, name)
            before = getattr(previous, name) if previous is not None else None
            if previous is None and after in (None, ""):
                continue
            if previous is None or before != after:
                label = str(model._meta.get_field(name).verbose_name)
                row.changes.append(Change(label, _display(model, name, before), _display(model, name, after)))
        if previous is None or row.changes:
            rows.append(row)
        previous = record
    return rows[::-1]
