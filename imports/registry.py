"""The registry of importable kinds: what a file of each kind holds and how a row becomes a model's values.

An app registers a kind in its ``resources.py`` with :func:`register_importer`: the columns of the
file, the natural key, a function turning one row of typed cells into model field values, and
optionally its own bulk writer. :mod:`imports.services` runs every kind the same way (dry run,
located errors, atomic commit, history rows); the import pages, the admin and the command line
all go through it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils.functional import cached_property
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_noop
from djmoney.models.fields import MoneyField

from agreements import access
from core.models import ImportRecord, User
from core.spreadsheets.columns import Column, ColumnType, NumberLocale
from core.spreadsheets.errors import CellError, Problem
from imports.rows import _compiled, shown


@dataclass
class ImportContext:
    """What a row function may use: the importing user, the record, and lookup caches."""

    user: User
    importer: Importer
    record: ImportRecord | None = None
    locale: str = NumberLocale.DOT
    # The file row ``build`` is looking at (for problems ``check_file`` reports later).
    row: int | None = None
    # At commit: (file row, object, deferred values) of every row whose build returned deferred values.
    deferred: list[tuple[int, models.Model, dict[str, Any]]] = field(default_factory=list)
    _caches: dict[str, Any] = field(default_factory=dict)

    def cache(self, name: str) -> Any:
        """A lookup table declared in ``Importer.lookups`` or shared (:data:`SHARED_LOOKUPS`), built once
        (one query) per import."""
        if name not in self._caches:
            self._caches[name] = (self.importer.lookups.get(name) or SHARED_LOOKUPS[name])(self)
        return self._caches[name]

    def find(self, cache: str, key: Any, message: str, params: dict, *, column: str) -> Any:
        """What the look-up ``cache`` holds for ``key``; a :class:`CellError` at ``column`` when nothing."""
        found = self.cache(cache).get(key)
        if found is None:
            raise CellError(message, params, column=column)
        return found


RowFunction = Callable[[dict[str, Any], ImportContext], dict[str, Any]]


Writer = Callable[[list[models.Model], list[models.Model], list[str], ImportContext], None]


# Look-ups every kind may use, filled by :mod:`imports.lookups`.
SHARED_LOOKUPS: dict[str, Callable[[ImportContext], Any]] = {}
_FOUND_BY_CODE: dict[type[models.Model], tuple[str, str]] = {}


class ModelColumn:
    """A column of the file holding a model field, found by ``source``: its path from the model
    (``"programme.code"``: a link named by its natural key), by default the column's name.

    The column's label, type, length, choices and whether it needs a value come from the fields
    of that path (a text field without a length takes up to 10,000 characters, a three-letter
    ``…currency`` field a currency code); ``given`` (any :class:`Column` option) overrides them.
    A column of one field is stored in it; one of a link is exported from its path, and resolved
    to the link's id when the linked model is found by code (:func:`found_by_code`) unless
    ``resolve`` is false (a kind that sets the link itself). ``keep``: a blank cell keeps what is
    stored, the model's default for a new row.
    """

    def __init__(self, name: str, source: str = "", *, keep: bool = False, resolve: bool = True, **given):
        self.name = name
        self.source = source or name
        self.keep = keep
        self.resolve = resolve
        self.given = given

    def column(self, model: type[models.Model]) -> Column:
        *links, last = self.source.split(".")
        first = model._meta.get_field(links[0] if links else last)
        for name in links:
            model = model._meta.get_field(name).related_model
        target = model._meta.get_field(last)
        derived: dict[str, Any] = {
            "label": first.verbose_name,
            "required": not (first.blank or first.null),
            "type": _column_type(target),
        }
        if derived["type"] == ColumnType.CHOICE:
            derived["choices"] = [value for value, _label in target.flatchoices if value != ""]
        elif derived["type"] == ColumnType.TEXT:
            derived["max_length"] = target.max_length or 10_000
        return Column(self.name, **{**derived, **self.given})


def _column_type(field: models.Field) -> str:
    if isinstance(field, MoneyField):
        return ColumnType.MONEY
    if field.choices:
        return ColumnType.CHOICE
    if isinstance(field, models.BooleanField):
        return ColumnType.BOOLEAN
    if isinstance(field, models.IntegerField):
        return ColumnType.INTEGER
    if isinstance(field, models.DecimalField):
        return ColumnType.DECIMAL
    if isinstance(field, models.DateField):
        return ColumnType.DATE
    if field.max_length == 3 and field.name.endswith("currency"):
        return ColumnType.CURRENCY
    return ColumnType.TEXT


def _found(cells: dict[str, Any], column: str, cache: str, missing: str, context: ImportContext) -> Any:
    code = cells[column]
    return context.find(cache, code, missing, {"code": code, column: code}, column=column) if code else None


def check_period(values: dict[str, Any], start: str = "period_start", end: str = "period_end") -> None:
    """A period given by the cells ``start`` and ``end`` (either may be blank) does not end before it starts."""
    if values[start] and values[end] and values[start] > values[end]:
        raise CellError(gettext_noop("the period ends before it starts"), column=end)


def found_by_code(model: type[models.Model], cache: str, missing: str) -> None:
    """Links to ``model`` named by code are resolved through the look-up ``cache`` (code → id);
    ``missing`` (with ``%(code)s``) says what a code that names nothing is missing."""
    _FOUND_BY_CODE[model] = (cache, missing)


@dataclass
class Importer:
    """An importable kind; registered at module level in an app's ``resources.py`` with :func:`register_importer`.

    ``columns`` are the file's columns: a :class:`ModelColumn` holds a field of the model (stored in
    it, or a link exported from its path and resolved by code), a plain :class:`Column` what
    ``build`` and ``export`` handle. ``build(values, context)`` receives the typed cells of one row
    (keyed by column name, with the ids of resolved links under their attnames) and returns the
    other field values (attnames, e.g. ``document_id``), raising
    :class:`core.spreadsheets.CellError` (with ``column=``) for a row that cannot be imported;
    ``export(obj)`` returns the other cells of an object's row.
    ``natural_key`` names the model fields identifying a row. ``write(creates, updates, fields,
    context)`` replaces the default bulk writer (:func:`imports.writes.bulk_write`). ``record_field``
    names a foreign key to :class:`~core.models.ImportRecord` set on every created or changed row.
    ``create_defaults(values, context)`` adds fields only a new object needs (copied from its
    parents, say), kept out of the comparison so they never count as changes.
    ``after_commit(context)`` runs inside the import's transaction after the last batch (to
    recompute derived data, say). ``check_existing(obj, values, context)`` may refuse to change
    an existing object (raising ``CellError``): an error of that row in the dry run.

    Links between rows of the same file (a subtotal printed below the items it adds up, say) cannot
    be resolved row by row: ``build`` returns them as *deferred* values, keys starting with ``@``,
    kept out of the model's fields and of the comparison. ``check_file(context)`` runs after the
    last row of the dry run (when ``build`` has seen every row) and yields located problems of the
    file as a whole, such as a link to a row that is neither in the file nor in the database; at
    commit, ``context.deferred`` lists ``(row, object, deferred values)`` for ``after_commit`` to
    resolve, raising :class:`RowRefused` for what it cannot. ``order`` places the kind among the
    others: files of a programme are imported in that order (tables before their figures, rules last).
    ``programme_lookup`` is the path from the model to its programme (``"table__programme"``), for
    exporting one programme's data; a kind without one holds data shared by all programmes.
    ``key_columns`` name the file columns shown as a row's key in the preview (by default those of
    the natural key's fields). ``template(user, params)`` gives the rows of a pre-filled template
    when the template is asked for with query parameters (a partner's budget lines for one period,
    say), raising ``Http404`` for what ``user`` may not see; without parameters the template holds
    the example row. ``field_columns`` name the column of a field that no column holds
    (for located errors). ``level`` says who may import the kind, and into which programmes
    (an :class:`agreements.access.Level`).
    """

    kind: str
    label: Any
    model: type[models.Model]
    columns: list[Column | ModelColumn]
    natural_key: tuple[str, ...]
    level: str
    build: RowFunction | None = None
    export: Callable[[models.Model], dict[str, Any]] | None = None
    queryset: Callable[[User], models.QuerySet] | None = None
    lookups: dict[str, Callable[[ImportContext], Any]] = field(default_factory=dict)
    write: Writer | None = None
    example: dict[str, Any] = field(default_factory=dict)
    record_field: str = ""
    clean_model_instances: bool = True
    field_columns: dict[str, str] = field(default_factory=dict)
    create_defaults: Callable[[dict[str, Any], ImportContext], dict[str, Any]] | None = None
    after_commit: Callable[[ImportContext], None] | None = None
    check_existing: Callable[[models.Model, dict[str, Any], ImportContext], None] | None = None
    check_file: Callable[[ImportContext], Iterable[Problem]] | None = None
    order: int = 50
    programme_lookup: str = ""
    key_columns: list[str] = field(default_factory=list)
    template: Callable[[User, Mapping[str, str]], list[dict[str, Any]]] | None = None

    def __post_init__(self) -> None:
        self.natural_key = tuple(self.natural_key)
        self.key_columns = list(self.key_columns)
        # Column name → path of what it exports; model field → column, for the fields columns hold.
        self.exported: dict[str, str] = {}
        self.stored: dict[str, str] = {}
        self.links: list[tuple[ModelColumn, models.Field]] = []
        self.kept: set[str] = set()
        columns = []
        for spec in self.columns:
            if not isinstance(spec, ModelColumn):
                columns.append(spec)
                continue
            columns.append(spec.column(self.model))
            self.exported[spec.name] = spec.source
            *links, last = spec.source.split(".")
            if len(links) < 2:  # a column of a link further away names no field of the model
                self.field_columns.setdefault(links[0] if links else last, spec.name)
            if not links:
                self.stored[self.model._meta.get_field(last).attname] = spec.name
            elif len(links) == 1 and spec.resolve:
                self.links.append((spec, self.model._meta.get_field(links[0])))
            if spec.keep:
                self.kept.add(spec.name)
        self.columns = columns

    def values_of(self, cells: dict[str, Any], context: ImportContext) -> dict[str, Any]:
        """The model field values of one row of typed cells: stored ones, links found by code, then ``build``'s."""
        kept = self.kept
        values = {
            name: cells[column]
            for name, column in self.stored.items()
            if column not in kept or cells[column] is not None
        }
        for spec, link in self.links:
            found = _FOUND_BY_CODE.get(link.related_model)
            if found is not None:
                cells[link.attname] = values[link.attname] = _found(cells, spec.name, *found, context)
        if self.build is not None:
            values.update(self.build(cells, context))
        return values

    def row_of(self, obj: models.Model) -> dict[str, Any]:
        """An object as one row of the file, keyed by column name."""
        row = {}
        for name, path in self.exported.items():
            *links, last = path.split(".")
            value = obj
            for part in links:
                value = getattr(value, part)
                if value is None:  # an empty link: an empty cell
                    break
            row[name] = "" if value is None else getattr(value, last)
        if self.export is not None:
            row.update(self.export(obj))
        return row

    def all_objects(self, user: User) -> models.QuerySet:
        if self.queryset is None:
            return self.model._default_manager.all()
        return self.queryset(user)

    def can_import(self, user: User) -> bool:

        return access.may_import(user, self.level)

    @cached_property
    def cleaned_fields(self) -> list[tuple[str, models.Field]]:
        return [
            (f.attname, f)
            for f in self.model._meta.concrete_fields
            if not f.is_relation and not f.primary_key
        ]

    @cached_property
    def field_checks(self) -> list[tuple[str, models.Field, bool, tuple[Callable, ...]]]:
        """``cleaned_fields`` with how :func:`clean_values` checks each: ``clean()`` (choices) or the validators."""
        return [
            (name, f, bool(f.choices), tuple(_compiled(v) for v in f.validators))
            for name, f in self.cleaned_fields
        ]

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column_for_field(self, name: str) -> str:
        name = name.removesuffix("_id")
        if name in self.field_columns:
            return self.field_columns[name]
        return name if name in self.column_names else ""

    def existing(self, keys: Sequence[tuple]) -> models.QuerySet:
        """Objects of the model that may have one of ``keys`` as natural key (one query).

        A composite key is narrowed by its first part only (``row_id IN (…)``): one simple query
        instead of a thousand ORs, the exact match is made in Python.
        """
        first = self.natural_key[0]
        return self.model._default_manager.filter(**{f"{first}__in": {key[0] for key in keys}})

    def shown_key(self, cells: dict[str, Any]) -> str:
        """The row's natural key as the file states it (``programa-cuadro-1 · 218 · y2006``), not as ids."""
        names = self.key_columns or [
            column for column in (self.column_for_field(name) for name in self.natural_key) if column
        ]
        return " · ".join(shown(cells.get(name)) for name in names)

    def key_of(self, obj_or_values: Any) -> tuple:
        if isinstance(obj_or_values, dict):
            return tuple(obj_or_values[name] for name in self.natural_key)
        return tuple(getattr(obj_or_values, name) for name in self.natural_key)

    def export_rows(self, user: User, programme: Any = None) -> Iterator[dict[str, Any]]:
        """The rows ``user`` may see, as the file's columns; only ``programme``'s when given."""
        queryset = self.all_objects(user)
        if programme is not None:
            if not self.programme_lookup:
                raise ValueError(f"{self.kind} is not a programme's data.")
            queryset = queryset.filter(**{self.programme_lookup: programme})
        for obj in queryset.iterator(chunk_size=2000):
            yield self.row_of(obj)

    def template_rows(
        self, user: User | None = None, params: Mapping[str, str] | None = None
    ) -> list[dict[str, Any]]:
        if self.template is not None and user is not None and params:
            return self.template(user, params)
        example = dict(self.example) or {c.name: c.example for c in self.columns}
        return [example]


_REGISTRY: dict[str, Importer] = {}


_discovered = False


def register_importer(kind: str, **options: Any) -> Importer:
    """Register the importable kind ``kind`` (see :class:`Importer` for the options)."""
    importer = Importer(kind=kind, **options)
    _REGISTRY[kind] = importer
    return importer


def registry() -> dict[str, Importer]:
    """All importable kinds in import order, after importing every app's ``resources`` module once."""
    global _discovered
    if not _discovered:
        from imports import lookups  # noqa: F401  (fills SHARED_LOOKUPS)

        autodiscover_modules("resources")
        _discovered = True
    # sorted() is stable: kinds of the same order keep their registration order.
    return {importer.kind: importer for importer in sorted(_REGISTRY.values(), key=lambda i: i.order)}


def get_importer(kind: str) -> Importer:
    try:
        return registry()[kind]
    except KeyError:
        raise LookupError(f"No importer registered for {kind!r}.") from None


def importers_for(user: User) -> list[Importer]:
    """The kinds ``user`` may import, in registration order."""
    return [importer for importer in registry().values() if importer.can_import(user)]


class RowRefused(Exception):
    """A row that cannot be written after all (raised by ``check_existing`` at commit or ``after_commit``)."""

    def __init__(self, problem: Problem):
        self.problem = problem
        super().__init__(problem.message)

    @classmethod
    def at(
        cls, context: ImportContext, row: int, message: str, params: dict, *, column: str, value: Any = ""
    ) -> RowRefused:
        """A row of the import's file that cannot be written after all (the database changed since the dry run)."""
        name = context.record.file_name if context.record else ""
        return cls(Problem(message, params, file=name, row=row, column=column, value=str(value)))
