"""The Spanish catalogues are complete: every string of the UI has a reviewed Spanish translation.

The .po files are read with a small parser below (no new dependency): an entry counts when it is not
obsolete (``#~``) and is not the header; it is untranslated when its ``msgstr`` (or any of the
``msgstr[n]`` a plural needs) is empty, and unreviewed when it is flagged ``fuzzy``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.utils import translation

BASE_DIR = Path(__file__).resolve().parent.parent.parent
CATALOGUES = [
    BASE_DIR / "locale" / "es" / "LC_MESSAGES" / "django.po",
    BASE_DIR / "results" / "locale" / "es" / "LC_MESSAGES" / "django.po",
]

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "a": "\a", "b": "\b", "f": "\f", "v": "\v"}


def _unquote(text: str) -> str:
    text = text.strip()
    if not (len(text) >= 2 and text[0] == '"' and text[-1] == '"'):
        raise ValueError(f"not a quoted PO string: {text!r}")
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), text[1:-1])


@dataclass
class Entry:
    line: int
    flags: set[str] = field(default_factory=set)
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        context = f"[{self.msgctxt}] " if self.msgctxt is not None else ""
        return f"{context}{self.msgid!r} (line {self.line})"


def parse_po(path: Path) -> list[Entry]:
    """The non-obsolete entries of a .po file, header included (its msgid is empty)."""
    entries: list[Entry] = []
    entry: Entry | None = None
    target: tuple[str, int | None] | None = None  # the field the next continuation line extends

    def finish() -> None:
        nonlocal entry, target
        if entry is not None:
            entries.append(entry)
        entry, target = None, None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            finish()
            continue
        if line.startswith("#~"):  # obsolete entry
            finish()
            continue
        if line.startswith("#"):
            if entry is not None and target is not None:  # comments start a new entry
                finish()
            if line.startswith("#,"):
                entry = entry or Entry(line=number)
                entry.flags.update(flag.strip() for flag in line[2:].split(",") if flag.strip())
            continue
        if line.startswith('"'):
            if entry is None or target is None:
                raise ValueError(f"{path}:{number}: continuation line outside an entry")
            name, index = target
            if name == "msgstr":
                entry.msgstr[index] += _unquote(line)
            else:
                setattr(entry, name, getattr(entry, name) + _unquote(line))
            continue
        keyword, _, value = line.partition(" ")
        if (
            keyword in ("msgctxt", "msgid")
            and entry is not None
            and target is not None
            and target[0] == "msgstr"
        ):
            finish()
        entry = entry or Entry(line=number)
        if keyword in ("msgctxt", "msgid", "msgid_plural"):
            setattr(entry, keyword, _unquote(value))
            target = (keyword, None)
        elif match := re.fullmatch(r"msgstr(?:\[(\d+)\])?", keyword):
            index = int(match.group(1) or 0)
            entry.msgstr[index] = _unquote(value)
            target = ("msgstr", index)
        else:
            raise ValueError(f"{path}:{number}: unexpected line {raw!r}")
    finish()
    return entries


def _nplurals(entries: list[Entry]) -> int:
    header = next((e for e in entries if e.msgid == "" and e.msgctxt is None), None)
    match = re.search(r"nplurals\s*=\s*(\d+)", header.msgstr.get(0, "")) if header else None
    return int(match.group(1)) if match else 2


def _messages(path: Path) -> tuple[list[Entry], int]:
    entries = parse_po(path)
    return [e for e in entries if not (e.msgid == "" and e.msgctxt is None)], _nplurals(entries)


def _placeholders(text: str) -> set[str]:
    return set(re.findall(r"%\(\w+\)[#0 +-]*\d*(?:\.\d+)?[a-zA-Z]", text)) | set(re.findall(r"\{\w*\}", text))


def test_the_parser_reads_plurals_flags_continuations_and_skips_obsolete(tmp_path):
    po = tmp_path / "django.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Plural-Forms: nplurals=3; plural=n == 1 ? 0 : 2;\\n"\n\n'
        '#: a.py:1\n#, python-format\nmsgid "Hello %(n)s"\nmsgstr ""\n"Hola "\n"%(n)s"\n\n'
        '#, fuzzy\n#| msgid "Old"\nmsgid "New"\nmsgstr "Viejo"\n\n'
        'msgctxt "menu"\nmsgid "File"\nmsgid_plural "Files"\nmsgstr[0] "Archivo"\nmsgstr[1] ""\nmsgstr[2] "Archivos"\n\n'
        '#~ msgid "Gone"\n#~ msgstr "Ido"\n',
        encoding="utf-8",
    )
    messages, nplurals = _messages(po)
    assert nplurals == 3
    assert [(e.msgctxt, e.msgid) for e in messages] == [
        (None, "Hello %(n)s"),
        (None, "New"),
        ("menu", "File"),
    ]
    assert messages[0].msgstr == {0: "Hola %(n)s"} and messages[0].flags == {"python-format"}
    assert "fuzzy" in messages[1].flags
    assert messages[2].msgid_plural == "Files" and messages[2].msgstr == {0: "Archivo", 1: "", 2: "Archivos"}


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: str(p.relative_to(BASE_DIR)))
def test_every_spanish_entry_is_translated_and_reviewed(path):
    messages, nplurals = _messages(path)
    assert messages, f"{path} has no entries"
    untranslated = [
        e.label
        for e in messages
        if any(not e.msgstr.get(i) for i in (range(nplurals) if e.msgid_plural is not None else [0]))
    ]
    fuzzy = [e.label for e in messages if "fuzzy" in e.flags]
    assert not untranslated, f"{len(untranslated)} untranslated in {path}:\n" + "\n".join(untranslated)
    assert not fuzzy, f"{len(fuzzy)} fuzzy (unreviewed) in {path}:\n" + "\n".join(fuzzy)


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: str(p.relative_to(BASE_DIR)))
def test_translations_keep_the_placeholders(path):
    messages, _ = _messages(path)
    wrong = []
    for e in messages:
        source = _placeholders(e.msgid) | _placeholders(e.msgid_plural or "")
        for index, text in e.msgstr.items():
            found = _placeholders(text)
            # A singular form may leave out the count; otherwise the placeholders are the source's.
            if text and (found != source if e.msgid_plural is None else not found <= source):
                wrong.append(f"{e.label} msgstr[{index}]: {text!r}")
    assert not wrong, "placeholders differ from the source:\n" + "\n".join(wrong)


@pytest.mark.parametrize(
    ("msgid", "spanish"),
    [
        # agreements
        ("Programmes", "Programas"),
        ("Consolidated terms", "Términos consolidados"),
        ("amendment", "enmienda"),
        # budgets
        ("Reconciliation", "Conciliación"),
        ("Budget overview", "Resumen del presupuesto"),
        ("findings", "hallazgos"),
        # core (preferences, spreadsheet imports)
        ("Preferences", "Preferencias"),
        ("Import a spreadsheet", "Importar una hoja de cálculo"),
        ("expected a whole number", "se esperaba un número entero"),
        # reports and dashboards
        ("Portfolio", "Cartera"),
        ("Partner dashboard", "Tablero del socio"),
        ("Progress report", "Informe de avance"),
        # results (its own catalogue and its templates)
        ("Draft", "Borrador"),
        ("Results and progress", "Resultados y avances"),
        ("Review queue", "Cola de revisión"),
        ("Work plans (POA)", "Planes de trabajo (POA)"),
    ],
)
def test_gettext_translates_each_app_into_spanish(msgid, spanish):
    with translation.override("es"):
        assert translation.gettext(msgid) == spanish
    with translation.override("en"):
        assert translation.gettext(msgid) == msgid


def test_plurals_use_the_spanish_forms():
    with translation.override("es"):
        assert translation.ngettext("%(n)s programme", "%(n)s programmes", 1) % {"n": 1} == "1 programa"
        assert translation.ngettext("%(n)s programme", "%(n)s programmes", 3) % {"n": 3} == "3 programas"
        assert translation.ngettext("%(n)s programme", "%(n)s programmes", 1000000) % {"n": 1000000} == (
            "1000000 programas"
        )
