"""Checking the rows of a file and comparing them with the database, fast and in constant memory.

Each row's cells are typed by their columns, built into model values by the kind, validated by the
model's fields (without a query per row), refused when its natural key was met before in the file,
and compared with the stored object by natural key, a batch at a time.
"""

from __future__ import annotations

import copy
import functools
import re
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_noop
from djmoney.money import Money

from core.money import round_amount
from core.spreadsheets.errors import CellError, Problem
from core.spreadsheets.readers import SpreadsheetReader

if TYPE_CHECKING:
    from imports.registry import ImportContext, Importer

# All errors are counted; this many are kept to show (PCC_IMPORT_MAX_ERRORS_SHOWN).
MAX_ERRORS_KEPT = settings.PCC_IMPORT_MAX_ERRORS_SHOWN


MAX_SAMPLES = 200


class Tally:
    def __init__(self, samples: bool = True):
        self.samples = samples
        self.rows = self.created = self.changed = self.unchanged = self.error_count = 0
        self.errors: list[dict] = []
        self.created_samples: list[dict] = []
        self.changed_samples: list[dict] = []
        self.keys = SeenKeys()
        self.source: dict[str, str] = {}  # how the file was read (format, encoding), for the preview

    def add_error(self, problem: Problem) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS_KEPT:
            self.errors.append(problem.as_json())

    def add_file_error(self, problem: Problem) -> None:
        """The reason the whole file was refused: first, even when the row errors before it filled the list."""
        self.error_count += 1
        self.errors.insert(0, problem.as_json())
        del self.errors[MAX_ERRORS_KEPT:]

    def read_from(self, reader: SpreadsheetReader) -> None:
        self.source = reader.source()

    def classify(self, row, values: dict[str, Any], obj: models.Model | None, importer: Importer) -> None:
        if obj is None:
            self.created += 1
            if len(self.created_samples) < MAX_SAMPLES:
                self.created_samples.append({"row": row.number, "key": importer.shown_key(row.values)})
            return
        differences = differences_of(obj, values)
        if not differences:
            self.unchanged += 1
            return
        self.changed += 1
        if len(self.changed_samples) < MAX_SAMPLES:
            self.changed_samples.append(
                {
                    "row": row.number,
                    "key": importer.shown_key(row.values),
                    "changes": [
                        {
                            "field": importer.column_for_field(name) or name,
                            "old": shown(old),
                            "new": shown(new),
                        }
                        for name, (old, new) in differences.items()
                    ],
                }
            )

    def counts(self) -> dict[str, int]:
        return {
            "rows_total": self.rows,
            "rows_done": self.rows,
            "created_count": self.created,
            "changed_count": self.changed,
            "unchanged_count": self.unchanged,
        }

    def fields(self) -> dict[str, Any]:
        return {
            **self.counts(),
            "error_count": self.error_count,
            "errors": self.errors,
            "preview": {
                "created": self.created_samples,
                "changed": self.changed_samples,
                "source": self.source,
            },
        }


class SeenKeys:
    """The natural keys met so far in a file and the row of each, to refuse a key met twice.

    They live in a temporary SQLite database (on disk past a small page cache), so checking a
    million rows holds no million keys in memory. A key is stored as its ``repr()``: keys are ids,
    codes, numbers and dates, whose reprs are equal exactly when they are.
    """

    def __init__(self) -> None:
        self.database: sqlite3.Connection | None = None

    def first_row(self, key: tuple, number: int) -> int | None:
        """The row where ``key`` was met first; None when it is new (and now met at row ``number``)."""
        if self.database is None:
            self.database = sqlite3.connect("")  # "": a private temporary database, deleted when closed
            self.database.execute(
                "CREATE TABLE seen (key TEXT PRIMARY KEY, row INTEGER NOT NULL) WITHOUT ROWID"
            )
        text = repr(key)
        if self.database.execute("INSERT OR IGNORE INTO seen VALUES (?, ?)", (text, number)).rowcount:
            return None
        return self.database.execute("SELECT row FROM seen WHERE key = ?", (text,)).fetchone()[0]

    def close(self) -> None:
        if self.database is not None:
            self.database.close()
            self.database = None


def batches(items: Iterable, size: int) -> Iterator[list]:
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def check_rows(
    batch, importer: Importer, context: ImportContext, reader: SpreadsheetReader, tally: Tally
) -> Iterator[tuple[Any, dict[str, Any]]]:
    """Typed, validated field values for each good row; errors go to ``tally``."""
    where = {"file": reader.name, "sheet": reader.sheet}
    for row in batch:
        tally.rows += 1
        typed, failed = {}, False
        for column in importer.columns:
            try:
                typed[column.name] = column.parse(row.values, locale=context.locale)
            except CellError as error:
                failed = True
                error.column = error.column or column.name
                tally.add_error(row_problem(error, row, reader))
        if failed:
            continue
        context.row = row.number
        try:
            values = importer.values_of(typed, context)
            if importer.clean_model_instances:
                clean_values(importer, values)
        except CellError as error:
            tally.add_error(row_problem(error, row, reader))
            continue
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                column = importer.column_for_field(name)
                for message in messages:
                    tally.add_error(
                        Problem(
                            str(message),
                            row=row.number,
                            column=column,
                            value=shown(row.values.get(column, "")),
                            **where,
                        )
                    )
            continue
        key = importer.key_of(values)
        other = tally.keys.first_row(key, row.number)
        if other is not None:
            tally.add_error(
                Problem(
                    gettext_noop("the same %(key)s as row %(other)s"),
                    {"key": shown_key(key), "other": other},
                    row=row.number,
                    column=", ".join(importer.column_for_field(n) or n for n in importer.natural_key),
                    **where,
                )
            )
            continue
        yield row, values


def row_problem(error: CellError, row, reader: SpreadsheetReader) -> Problem:
    """A row's refusal as a located problem: file, sheet, row, column and the cell as written."""
    return Problem(
        error.message,
        error.params,
        row=row.number,
        column=error.column,
        value=shown(row.values.get(error.column, "")),
        file=reader.name,
        sheet=reader.sheet,
    )


def clean_values(importer: Importer, values: dict[str, Any]) -> None:
    """Field validation of the model (lengths, digits, choices, slugs) without its per-row queries.

    Each field's own ``clean()``; foreign keys were resolved through the caches, uniqueness and
    constraints are the natural-key comparison's and the database's job.
    """
    errors: dict[str, list] = {}
    for name, model_field, has_choices, validators in importer.field_checks:
        if name not in values:
            continue
        value = values[name]
        try:
            if has_choices or value in model_field.empty_values:
                model_field.clean(value, None)
                continue
            # The column already typed the value; the field's validators check lengths, digits, slugs.
            for validator in validators:
                validator(value)
        except ValidationError as error:
            errors[name] = error.messages
    if errors:
        raise ValidationError(errors)


def _compiled(validator: Callable) -> Callable:
    """``validator``, or a copy of it with its pattern compiled when it compiles on first use.

    Django's ``validate_slug`` holds a lazy pattern: every match would go through the lazy
    object's proxy, once per cell of a large file.
    """
    if isinstance(validator, RegexValidator) and type(validator.regex) is not re.Pattern:
        validator = copy.copy(validator)
        validator.regex = re.compile(validator.regex.pattern, validator.regex.flags)
    return validator


def existing_by_key(importer: Importer, keys: list[tuple]) -> dict[tuple, models.Model]:
    if not keys:
        return {}
    wanted = set(keys)
    found = {importer.key_of(obj): obj for obj in importer.existing(keys)}
    return {key: obj for key, obj in found.items() if key in wanted}


def new_object(model: type[models.Model], values: dict[str, Any], extra: dict[str, Any]) -> models.Model:
    """``model(**extra, **values)``, through positional arguments when every value is a concrete field's.

    Django's ``Model.__init__`` reads positional arguments (one per concrete field, in order) in
    half the time of keyword arguments; the object is the same, missing fields get their default.
    """
    attnames = _positional_attnames(model)
    twice = extra.keys() & values.keys()  # Model.__init__ refuses those with its own TypeError
    if attnames is None or twice or not (values.keys() | extra.keys()) <= attnames.keys():
        return model(**extra, **values)
    return model(
        *[
            values[name] if name in values else extra[name] if name in extra else field.get_default()
            for name, field in attnames.items()
        ]
    )


@functools.cache
def _positional_attnames(model: type[models.Model]) -> dict[str, models.Field] | None:
    """The concrete fields of ``model`` by attname, in ``Model.__init__``'s positional order; None
    when positional arguments would not build what keyword arguments do (generated fields)."""
    fields = model._meta.concrete_fields
    if any(f.generated for f in fields):
        return None
    return {f.attname: f for f in fields}


def split_deferred(values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Field values and deferred values (``@name``: links resolved after the last batch)."""
    if not any(name.startswith("@") for name in values):
        return values, {}
    fields = {name: value for name, value in values.items() if not name.startswith("@")}
    deferred = {name[1:]: value for name, value in values.items() if name.startswith("@")}
    return fields, deferred


def differences_of(obj: models.Model, values: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    differences = {}
    for name, new in values.items():
        if name.startswith("@"):
            continue
        old = getattr(obj, name)
        if isinstance(old, Money) or isinstance(new, Money):
            same = (
                isinstance(old, Money)
                and isinstance(new, Money)
                and old.amount == new.amount
                and old.currency == new.currency
            )
        else:
            same = old == new or (old in (None, "") and new in (None, ""))
        if not same:
            differences[name] = (old, new)
    return differences


def shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Money):
        # Two decimals at least, so an unchanged 240000.00 and a new 250000 look alike in the preview.
        amount = value.amount if value.amount.as_tuple().exponent < -2 else round_amount(value.amount)
        return f"{value.currency} {amount}"
    if isinstance(value, Decimal):
        return f"{value:f}"
    text = str(value)
    return text if len(text) <= 120 else text[:117] + "…"


def shown_key(key: tuple) -> str:
    return " · ".join(shown(part) for part in key)
