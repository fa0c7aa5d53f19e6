"""Findings grouped by cause: one root finding (a shifted row, a table printing another currency's
figures, a wrong total) and the findings that follow from it, so that a reader sees a handful of problems
rather than dozens of symptoms.

Worked out from the findings as they are loaded, with their rules (no query): what links two findings is
a cell both rules use, the cells named in the rules' parameters (``total``, ``terms``, ``cells``,
``cell``, ``from``, ``to``: references ``table/line/column``, as the budget kinds write them). A finding
joins at most one group, the first that explains it, in this order:

1. a shifted row (a ``row_labels`` finding) explains the sum findings whose total or terms lie on the
   rows it concerns;
2. a table printing another currency's figures (``same_figure`` findings where the same digits carry two
   currencies), one cause per table, explains every finding whose rule uses one of those figures;
3. a total that does not add up (a ``sum`` finding) explains every finding whose rule uses that total:
   the sum on the total that contains the subtotal, its conversion, its ceiling.

A finding explained by a group lends the group its own total: the findings that use it follow too. A
difference within rounding never explains a material one. A root that explains nothing stays an
ungrouped finding.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils.translation import gettext_noop

from core import formatting
from core.i18n import Figure, Message
from reconciliation.cells import cell_of
from reconciliation.models import DIFFERING, Finding, Severity

_CELL_PARAMS = ("total", "terms", "cells", "cell", "from", "to")


def rule_cells(rule) -> set[tuple[str, int, str]]:
    """The cells ``(table, line, column)`` a rule's parameters name, whatever their role."""
    cells = set()
    for name in _CELL_PARAMS:
        value = (rule.params or {}).get(name)
        for reference in value if isinstance(value, list) else [value]:
            if cell := cell_of(reference):
                cells.add(cell)
    return cells


def _total(finding: Finding) -> tuple[str, int, str] | None:
    """The total a sum finding says does not add up."""
    return cell_of((finding.rule.params or {}).get("total")) if finding.rule.kind == "sum" else None


def _other_currency(finding: Finding) -> tuple[str, str] | None:
    """``(printed, meant)`` currencies when a ``same_figure`` finding found the same digits in two
    currencies (``CHF`` printed where the other table has ``USD``), else ``None``."""
    if finding.rule.kind != "same_figure":
        return None
    params = (finding.message_data or {}).get("params") or {}
    first, other = params.get("first"), params.get("other")
    if not isinstance(first, dict) or not isinstance(other, dict):
        return None
    if first.get("figure") != other.get("figure") or first.get("currency") == other.get("currency"):
        return None
    return other.get("currency") or "", first.get("currency") or ""


def _figure(money) -> Figure | str:
    return "—" if money is None else Figure(money.amount, str(money.currency))


def _can_explain(root: Finding, finding: Finding) -> bool:
    """A difference within rounding does not explain a material one."""
    return root.severity == Severity.MATERIAL or finding.severity != Severity.MATERIAL


def _span(lines: Iterable[int]) -> str:
    lines = sorted(set(lines))
    if not lines:
        return ""
    if len(lines) > 2 and lines[-1] - lines[0] + 1 == len(lines):
        return f"{lines[0]}–{lines[-1]}"
    return ", ".join(str(line) for line in lines)


@dataclass
class Cause:
    """A root finding, what causes it in words, and the findings it explains (in the page's order)."""

    root: Finding
    message: Message
    explained: list[Finding] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The cause in the reader's language."""
        return self.message.render()

    @property
    def anchor(self) -> str:
        return f"cause-{self.root.pk}"

    @property
    def findings(self) -> list[Finding]:
        return [self.root, *self.explained]


@dataclass
class Grouping:
    causes: list[Cause]
    ungrouped: list[Finding]

    @property
    def problems(self) -> int:
        """What a reader has to look at: one per cause, one per finding no cause explains."""
        return len(self.causes) + len(self.ungrouped)

    @property
    def findings(self) -> int:
        return len(self.ungrouped) + sum(len(c.findings) for c in self.causes)

    def cause_of(self) -> dict[int, Cause]:
        """Each grouped finding's cause, by the finding's pk (the root's too)."""
        return {f.pk: cause for cause in self.causes for f in cause.findings}


class _Groups:
    """The state of one grouping: which finding is claimed, and by whom the cells are used."""

    def __init__(self, findings: list[Finding]):
        self.findings = findings
        self.order = {f.pk: i for i, f in enumerate(findings)}
        self.cells = {f.pk: rule_cells(f.rule) for f in findings}
        self.users: dict[tuple[str, int, str], list[Finding]] = {}
        for f in findings:
            for cell in self.cells[f.pk]:
                self.users.setdefault(cell, []).append(f)
        self.claimed: dict[int, Cause] = {}
        self.causes: list[Cause] = []

    def claim(self, cause: Cause, finding: Finding) -> None:
        if finding.pk in self.claimed or finding is cause.root:
            return
        self.claimed[finding.pk] = cause
        cause.explained.append(finding)

    def spread(self, cause: Cause, suspect: set[tuple[str, int, str]]) -> None:
        """Every unclaimed finding that uses a suspect cell joins ``cause``; a sum it takes in makes its
        own total suspect too."""
        queue = list(suspect)
        seen = set(queue)
        while queue:
            for finding in self.users.get(queue.pop(), []):
                if (
                    finding.pk in self.claimed
                    or finding is cause.root
                    or not _can_explain(cause.root, finding)
                ):
                    continue
                self.claim(cause, finding)
                total = _total(finding)
                if total is not None and total not in seen:
                    seen.add(total)
                    queue.append(total)

    def open(self, root: Finding, message: Message) -> Cause:
        cause = Cause(root, message)
        self.claimed[root.pk] = cause
        self.causes.append(cause)
        return cause

    def close(self, cause: Cause) -> None:
        """A cause that explains nothing leaves its root ungrouped."""
        if not cause.explained:
            del self.claimed[cause.root.pk]
            self.causes.remove(cause)
        else:
            cause.explained.sort(key=lambda f: self.order[f.pk])


def _shifted_rows(groups: _Groups) -> None:
    for root in groups.findings:
        if root.rule.kind != "row_labels" or root.pk in groups.claimed or not root.lines:
            continue
        table = (root.rule.params or {}).get("table") or root.key.split("/")[0]
        first, last = min(root.lines), max(root.lines)
        cause = groups.open(
            root,
            Message(
                gettext_noop(
                    "Lines %(first)s–%(last)s of “%(table)s”: the labels look shifted one row against the "
                    "amounts, so the sums over those rows do not hold as labelled."
                ),
                {"first": first, "last": last, "table": root.table},
            ),
        )
        suspect = set()
        for finding in groups.findings:
            on_rows = {c for c in groups.cells[finding.pk] if c[0] == table and first <= c[1] <= last}
            if finding.rule.kind == "sum" and on_rows and finding.pk not in groups.claimed:
                if _can_explain(root, finding):
                    groups.claim(cause, finding)
                    if total := _total(finding):
                        suspect.add(total)
        groups.spread(cause, suspect)
        groups.close(cause)


def _other_currency_tables(groups: _Groups) -> None:
    by_table: dict[str, list[tuple[Finding, tuple[str, str]]]] = {}
    for finding in groups.findings:
        currencies = _other_currency(finding)
        cell = cell_of(finding.key)
        if currencies and cell and finding.pk not in groups.claimed:
            by_table.setdefault(cell[0], []).append((finding, currencies))
    for printed in by_table.values():
        printed.sort(key=lambda item: cell_of(item[0].key)[1])  # the table's first such line is the root
        root, (currency, meant) = printed[0]
        lines = [cell_of(f.key)[1] for f, _c in printed]
        cause = groups.open(
            root,
            Message(
                gettext_noop(
                    "“%(table)s” prints %(n)s figures in %(meant)s as if they were %(currency)s (lines "
                    "%(lines)s): the same digits as another table's %(meant)s figures, not converted."
                ),
                {
                    "table": root.table,
                    "n": len(printed),
                    "meant": formatting.currency_label(meant),
                    "currency": formatting.currency_label(currency),
                    "lines": _span(lines),
                },
            ),
        )
        for finding, _currencies in printed[1:]:
            groups.claim(cause, finding)
        groups.spread(cause, {cell_of(f.key) for f, _c in printed})
        groups.close(cause)


def _wrong_totals(groups: _Groups) -> None:
    def explains(root: Finding) -> bool:
        total = _total(root)
        return total is not None and any(
            f is not root and f.pk not in groups.claimed and _can_explain(root, f)
            for f in groups.users.get(total, [])
        )

    candidates = [f for f in groups.findings if f.severity in DIFFERING and explains(f)]
    # The innermost first: a total that another candidate's wrong total explains is no root of its own.
    inner = [
        f
        for f in candidates
        if not any(r is not f and _can_explain(r, f) and _total(r) in groups.cells[f.pk] for r in candidates)
    ]
    for root in inner + candidates:
        if root.pk in groups.claimed or not explains(root):
            continue
        table, line, _column = _total(root)
        cause = groups.open(
            root,
            Message(
                gettext_noop(
                    "Line %(line)s of “%(table)s” states %(stated)s where its terms add up to %(recomputed)s: "
                    "the rules that use that figure differ because of it."
                ),
                {
                    "line": line,
                    "table": root.table,
                    "stated": _figure(root.stated_money),
                    "recomputed": _figure(root.recomputed_money),
                },
            ),
        )
        groups.spread(cause, {_total(root)})
        groups.close(cause)


def group_by_cause(findings: Iterable[Finding]) -> Grouping:
    """The findings (loaded with their rules and parameters, in the order a page lists them) grouped by
    the cause that explains them; the rest ungrouped, in their order. No query."""
    findings = list(findings)
    groups = _Groups(findings)
    _shifted_rows(groups)
    _other_currency_tables(groups)
    _wrong_totals(groups)
    groups.causes.sort(key=lambda cause: groups.order[cause.root.pk])
    return Grouping(groups.causes, [f for f in findings if f.pk not in groups.claimed])
