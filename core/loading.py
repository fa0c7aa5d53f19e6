"""Load a programme's folder of text fixtures (``programme.yaml`` and what it names) into the database.

Every app that owns data registers a loader in ``settings.PCC_LOADERS``; each is a function
``load(ctx: LoadContext) -> None`` that writes with :func:`core.upsert.upsert` on natural keys, so
loading twice writes nothing, not even a history row.
A problem in a file raises :class:`FixtureError` naming the file and the entry.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

from core.models import Document, ExchangeRate, GlossaryTerm, Organisation
from core.numbers import NumberFormatError, parse_amount
from core.upsert import upsert


class FixtureError(Exception):
    def __init__(self, path: Path | str, where: str, message: str):
        self.path, self.where, self.message = path, where, message
        super().__init__(f"{path}: {where}: {message}")


@dataclass
class LoadContext:
    folder: Path
    data: dict[str, Any]
    programme: Any = None
    documents: dict[str, Document] = field(default_factory=dict)
    organisations: dict[str, Organisation] = field(default_factory=dict)
    rates: dict[str, ExchangeRate] = field(default_factory=dict)
    components: dict[str, Any] = field(default_factory=dict)
    stats: Counter = field(default_factory=Counter)

    def read_yaml(self, relative: str) -> Any:
        path = self.folder / relative
        try:
            with path.open(encoding="utf-8") as fh:
                return yaml.safe_load(fh)
        except FileNotFoundError:
            raise FixtureError(path, "file", "not found") from None
        except yaml.YAMLError as exc:
            raise FixtureError(path, "YAML", str(exc)) from None

    def read_tsv(self, relative: str) -> list[dict[str, str]]:
        path = self.folder / relative
        with path.open(encoding="utf-8", newline="") as fh:
            return list(csv.DictReader(fh, delimiter="\t"))

    def document(self, code: str, where: str = "") -> Document:
        try:
            return self.documents[code]
        except KeyError:
            raise FixtureError(self.folder, where, f"unknown document {code!r}") from None

    def organisation(self, acronym: str, where: str = "") -> Organisation:
        try:
            return self.organisations[acronym]
        except KeyError:
            raise FixtureError(self.folder, where, f"unknown organisation {acronym!r}") from None

    @property
    def change_reason(self) -> str:
        """Why the loader wrote a row, for its history row (the user is None: the system)."""
        try:
            folder = self.folder.resolve().relative_to(settings.BASE_DIR)
        except ValueError:
            folder = self.folder
        return f"loaded from {folder}"[:100]  # simple-history's change reason holds 100 characters

    def count(self, model_label: str, changed: bool) -> None:
        self.stats[f"{model_label} {'written' if changed else 'unchanged'}"] += 1


def parse_date(value: Any, where: str, path: Path | str) -> datetime.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        raise FixtureError(path, where, f"expected a date YYYY-MM-DD, got {value!r}") from None


def parse_printed(text: str, where: str, path: Path | str, decimal_separator: str | None = None):
    try:
        parsed = parse_amount(str(text), decimal_separator=decimal_separator)
    except NumberFormatError as exc:
        raise FixtureError(path, where, str(exc)) from None
    if parsed.value is None:
        raise FixtureError(path, where, f"expected an amount, got {text!r}")
    return parsed.value


def _load_core(ctx: LoadContext) -> None:
    path = ctx.folder / "programme.yaml"
    for doc in ctx.data.get("documents", []):
        file_path = ctx.folder / doc["file"]
        raw = file_path.read_bytes()
        obj, changed = upsert(
            Document,
            {"code": doc["code"]},
            {
                "title": doc["title"],
                "file_name": file_path.name,
                "sha256": hashlib.sha256(raw).hexdigest(),
                "text": raw.decode("utf-8"),
            },
            reason=ctx.change_reason,
        )
        ctx.documents[obj.code] = obj
        ctx.count("document", changed)
    for org in ctx.data.get("organisations", []):
        obj, changed = upsert(
            Organisation,
            {"acronym": org["acronym"]},
            {
                "name": org["name"],
                "kind": org["kind"],
                "country": org["country"],
                "number_format": org.get("number_format", "pe"),
            },
            reason=ctx.change_reason,
        )
        ctx.organisations[obj.acronym] = obj
        ctx.count("organisation", changed)
    ctx.organisations.update({o.acronym: o for o in Organisation.objects.all()})
    glossary = ctx.data.get("glossary")
    if glossary:
        document = ctx.document(glossary["document"], "glossary")
        for row in ctx.read_tsv(glossary["file"]):
            _, changed = upsert(
                GlossaryTerm,
                {"acronym": row["acronym"]},
                {"meaning": row["meaning"], "document": document, "line": int(row["line"])},
                reason=ctx.change_reason,
            )
            ctx.count("glossary term", changed)
    for i, rate in enumerate(ctx.data.get("exchange_rates", [])):
        where = f"exchange_rates[{i}]"
        obj, changed = upsert(
            ExchangeRate,
            {"code": rate["code"]},
            {
                "base_currency": rate["base"],
                "quote_currency": rate["quote"],
                "rate": parse_printed(rate["rate"], where, path, rate.get("decimal_separator")),
                "valid_from": parse_date(rate["valid_from"], where, path),
                "valid_to": parse_date(rate["valid_to"], where, path),
                "description": rate.get("as_printed", ""),
                "used_by": ", ".join(rate.get("used_by", [])),
                "document": ctx.document(rate["document"], where),
                "line": rate["line"],
            },
            reason=ctx.change_reason,
        )
        ctx.rates[obj.code] = obj
        ctx.count("exchange rate", changed)


@transaction.atomic
def load_programme(folder: Path) -> LoadContext:
    """Load ``folder`` (all or nothing) and return the context with its counts."""
    folder = Path(folder)
    if not (folder / "programme.yaml").exists():
        raise FixtureError(folder, "folder", "no programme.yaml here")
    ctx = LoadContext(folder=folder, data={})
    ctx.data = ctx.read_yaml("programme.yaml") or {}
    _load_core(ctx)
    for dotted in settings.PCC_LOADERS:
        import_string(dotted)(ctx)
    if ctx.programme is not None:
        # ``changed``: whether the load wrote anything (a reload of the same folder writes nothing).
        changed = any(label.endswith(" written") for label in ctx.stats)
        for dotted in settings.PCC_AFTER_LOAD:
            import_string(dotted)(ctx.programme, f"load_programme {folder.name}", changed=changed)
    return ctx
