"""The Gantt of a work plan: per activity and month, planned (Cronograma or printed range) against reported."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from results.models import Activity, WorkPlan


@dataclass
class ScheduleCell:
    month: datetime.date
    in_range: bool
    planned: bool | None  # None: the activity has no row in the Cronograma
    report_status: str = ""
    report_id: int | None = None


@dataclass
class ScheduleRow:
    activity: Activity
    cells: list[ScheduleCell] = field(default_factory=list)

    @property
    def has_schedule(self) -> bool:
        return any(cell.planned is not None for cell in self.cells)

    @property
    def schedule_differs(self) -> bool:
        """The Cronograma disagrees with the printed range (kept, flagged): :meth:`Activity.schedule_fits`,
        the rule the reconciliation applies too."""
        return self.has_schedule and not self.activity.schedule_fits(
            {c.month for c in self.cells if c.planned}
        )


def build_schedule(plan: WorkPlan, activities: list[Activity]) -> list[ScheduleRow]:
    """Rows for ``activities`` (prefetched ``schedule_months`` and ``progress_reports__period``)."""
    months = plan.months()
    rows = []
    for activity in activities:
        planned = {m.month: m.planned for m in activity.schedule_months.all()}
        in_range = set(activity.range_months())
        reports = {r.period.start_date.replace(day=1): r for r in activity.progress_reports.all()}
        row = ScheduleRow(activity)
        for month in months:
            report = reports.get(month)
            row.cells.append(
                ScheduleCell(
                    month=month,
                    in_range=month in in_range,
                    planned=planned.get(month),
                    report_status=report.get_status_display() if report else "",
                    report_id=report.pk if report else None,
                )
            )
        rows.append(row)
    return rows
