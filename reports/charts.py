"""A chart as data: rendered by ``static/pcc/charts.js`` from JSON and, with the same figures, as an HTML table."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal


@dataclass
class Series:
    label: str
    values: list[Decimal | int | None]
    stack: str = ""
    currency: str = ""  # "" for counts and percentages
    kind: str = ""  # "line" to draw one series of a bar chart as a line


@dataclass
class Chart:
    """``unit`` is ``money`` (each series names its currency), ``count`` or ``percent``."""

    key: str
    title: str
    labels: list[str]
    series: list[Series] = field(default_factory=list)
    unit: str = "money"
    stacked: bool = False
    horizontal: bool = False
    label_header: str = ""

    @property
    def element_id(self) -> str:
        return f"chart-{self.key}"

    @property
    def is_empty(self) -> bool:
        return not self.labels or all(v in (None, 0) for s in self.series for v in s.values)

    def rows(self) -> list[tuple[str, list[tuple[Decimal | int | None, str]]]]:
        """One row per label with each series' value and currency, for the table beside the chart."""
        return [
            (label, [(s.values[i], s.currency) for s in self.series]) for i, label in enumerate(self.labels)
        ]

    def as_json(self) -> dict:
        """Exact figures as strings (Decimal); charts.js turns them into numbers only to draw them."""
        return {
            "unit": self.unit,
            "stacked": self.stacked,
            "horizontal": self.horizontal,
            "title": str(self.title),
            "labels": [str(label) for label in self.labels],
            "datasets": [
                {
                    "label": str(s.label),
                    "data": [None if v is None else str(v) for v in s.values],
                    "stack": s.stack or None,
                    "currency": s.currency,
                    "type": s.kind or None,
                }
                for s in self.series
            ],
        }
