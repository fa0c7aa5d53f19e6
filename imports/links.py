"""Links from a row to another row of the same kind, which may come further down the same file."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from core.spreadsheets.errors import CellError, Problem
from imports.registry import SHARED_LOOKUPS, ImportContext, RowRefused
from imports.writes import bulk_write


@dataclass
class _Seen:
    """What the dry run met of a file's links: each row's key, its row and the cells of its links."""

    rows: dict[tuple, int | None] = field(default_factory=dict)
    stated: dict[tuple, dict[str, Any]] = field(default_factory=dict)
    # (target key, own key, field, cell, params) of each link to a row not in the database
    pending: list[tuple[tuple, tuple, str, Any, dict]] = field(default_factory=list)


SHARED_LOOKUPS["same_file_links"] = lambda context: _Seen()


@dataclass(frozen=True)
class SameFileLinks:
    """Links of a kind to rows of the same kind, each named in the cell of its field (``parent``)
    by the target's key within the row's scope: a subtotal's line in its table, a parent's key in
    its plan.

    ``key`` names the attnames of a row's own key, its scope first (``("table_id", "line")``);
    ``target(key, cell)`` is the key a cell names; ``known`` the look-up of the keys in the
    database (key → id or object). A target in the database is linked at once; one further down
    the file comes back from :meth:`resolve` as a deferred value, linked by :meth:`link` after the
    last batch. One in neither is a located problem of the dry run (:meth:`check_file`: ``missing``
    with ``params(cells, cell)``), and the commit's refusal should it vanish meanwhile.
    """

    fields: tuple[str, ...]
    key: tuple[str, ...]
    target: Callable[[tuple, Any], tuple]
    known: str
    itself: str
    missing: str
    params: Callable[[dict[str, Any], Any], dict]

    def resolve(self, cells: dict[str, Any], own: tuple, context: ImportContext) -> dict[str, Any]:
        """The link fields of the row whose key is ``own`` (for ``build``), noting what it names."""
        seen: _Seen = context.cache("same_file_links")
        seen.rows[own] = context.row
        seen.stated[own] = {name: cells[name] or None for name in self.fields}
        values: dict[str, Any] = {}
        for name in self.fields:
            cell = cells[name]
            if cell is None or cell == "":
                values[f"{name}_id"] = None
                continue
            target = self.target(own, cell)
            if target == own:
                raise CellError(self.itself, column=name)
            found = context.cache(self.known).get(target)
            if found is not None:
                values[f"{name}_id"] = getattr(found, "pk", found)
            else:
                params = self.params(cells, cell)
                values[f"@{name}"] = [cell, params]
                seen.pending.append((target, own, name, cell, params))
        return values

    def check_file(self, context: ImportContext) -> Iterator[Problem]:
        """Links to a row neither in the database nor in the file."""
        seen: _Seen = context.cache("same_file_links")
        for target, own, name, cell, params in seen.pending:
            if target not in seen.rows:
                yield Problem(self.missing, params, row=seen.rows[own], column=name, value=str(cell))

    def link(self, context: ImportContext) -> None:
        """Write the deferred links after the last batch, through the import's writer (history rows)."""
        deferred = [(number, obj, links) for number, obj, links in context.deferred if links]
        if not deferred:
            return
        scope = self.key[0]
        objs = {
            tuple(getattr(obj, name) for name in self.key): obj
            for obj in context.importer.model._default_manager.filter(
                **{f"{scope}__in": {getattr(obj, scope) for _number, obj, _links in deferred}}
            )
        }
        linked = {}
        for number, obj, links in deferred:
            own = tuple(getattr(obj, name) for name in self.key)
            row = objs[own]
            for name, (cell, params) in links.items():
                target = objs.get(self.target(own, cell))
                if target is None:
                    raise RowRefused.at(context, number, self.missing, params, column=name, value=cell)
                if getattr(row, f"{name}_id") != target.pk:
                    setattr(row, f"{name}_id", target.pk)
                    linked[row.pk] = row
        bulk_write([], list(linked.values()), list(self.fields), context)
