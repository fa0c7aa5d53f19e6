"""Programme texts in the reader's language: the source's Spanish, English beside it, a visible fallback.

A programme's texts (a rule in words, a table's title, the programme's name) are transcribed in the
language of the source, Spanish, into the field itself (``description``); the English translation sits
beside it in ``<field>_en``. :class:`Translated` on a model gives ``obj.<field>_i18n``: the text in the
language active now. A reader of English for whom nobody wrote the translation gets the Spanish,
marked ``(es)`` and ``lang="es"``, never passed off as English.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.html import format_html
from django.utils.translation import get_language, gettext, gettext_lazy
from django.utils.translation import gettext as _

from core import formatting

SOURCE_LANGUAGE = "es"  # the language the programme texts are transcribed in (the PCC's source)
TRANSLATED_LANGUAGE = "en"  # the language of the ``<field>_en`` fields


class ProgrammeText(str):
    """A programme text as shown: a ``str`` (pages, attributes, exports), with ``fallback`` set when it
    is the Spanish shown for want of an English translation; a fallback then reads ``(es) texto``,
    first, so that a truncated one keeps its marker. :func:`marked` (the ``acronyms`` filter) adds
    ``lang="es"`` around the Spanish in a page."""

    text: str
    lang: str
    fallback: bool

    def __new__(cls, text: str, lang: str, fallback: bool = False) -> ProgrammeText:
        text = text or ""
        obj = super().__new__(cls, f"({lang}) {text}" if fallback and text else text)
        obj.text, obj.lang, obj.fallback = text, lang, fallback and bool(text)
        return obj

    def __reduce__(self):
        return (ProgrammeText, (self.text, self.lang, self.fallback))


def marked(html: str, lang: str) -> str:
    """Escaped ``html`` in ``lang`` marked as shown untranslated (the ``(es)`` the reader sees first)."""
    return format_html(
        '<span class="lang-fallback" title="{}">({})</span> <span lang="{}">{}</span>',
        _("Not translated yet: shown as in the source"),
        lang,
        lang,
        html,
    )


def in_reader_language(source: str, english: str) -> ProgrammeText:
    """``source`` (Spanish) or ``english``, as the active language asks; Spanish marked when English is
    asked for and missing."""
    language = (get_language() or SOURCE_LANGUAGE).split("-")[0]
    if language == TRANSLATED_LANGUAGE:
        if english:
            return ProgrammeText(english, TRANSLATED_LANGUAGE)
        return ProgrammeText(source, SOURCE_LANGUAGE, fallback=True)
    return ProgrammeText(source, SOURCE_LANGUAGE)


class Translated:
    """``description_i18n = Translated("description")`` on a model with ``description`` (Spanish, as in
    the source) and ``description_en``: the text in the reader's language (:class:`ProgrammeText`)."""

    def __init__(self, field: str) -> None:
        self.field = field

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        return in_reader_language(getattr(obj, self.field), getattr(obj, f"{self.field}_en"))


# History rows keep why they were written as the writer said it, in English; they are shown translated.
_REASONS = [
    (re.compile(r"loaded from (?P<folder>.+)"), gettext_lazy("loaded from %(folder)s")),
    (re.compile(r"import #(?P<pk>\d+)"), gettext_lazy("import #%(pk)s")),
    (re.compile(r"import"), gettext_lazy("import")),
]


def change_reason_text(reason: str | None) -> str:
    """The reason of a history row in the reader's language (the loader's and the imports' own words;
    a reason a person wrote is shown as written)."""
    if not reason:
        return ""
    for pattern, text in _REASONS:
        if match := pattern.fullmatch(reason):
            return str(text) % match.groupdict()
    return reason


@dataclass(frozen=True)
class Message:
    """A message as its catalogue id and parameters, rendered in the reader's language when shown.

    Parameters are kept as text, a :class:`Figure` (a number, written in the reader's style when shown),
    a :class:`Text` (a programme text, shown in the reader's language), another :class:`Message`, or a
    list of those (joined with "; "). ``str()`` renders it in the active
    language and the current reader's number style.
    """

    id: str
    params: dict = field(default_factory=dict)

    def render(self) -> str:
        text = gettext(self.id)
        return text % {key: _rendered(value) for key, value in self.params.items()} if self.params else text

    __str__ = render

    def as_json(self) -> dict:
        return {"id": self.id, "params": {key: _as_json(value) for key, value in self.params.items()}}

    @classmethod
    def from_json(cls, data: dict) -> Message:
        return cls(data["id"], {key: _from_json(value) for key, value in (data.get("params") or {}).items()})


@dataclass(frozen=True)
class Figure:
    """A number of a message, kept exact and written by :func:`core.formatting.figure` when shown:
    ``Figure(Decimal("4086384"), "CHF")`` → ``CHF 4'086'384`` for a Swiss reader, ``CHF 4,086,384`` for a
    Peruvian one. A whole figure is written without decimals, another with two (``places`` overrides).
    """

    value: Decimal
    currency: str = ""
    places: int | None = None

    def render(self) -> str:
        places = self.places
        if places is None:
            places = 0 if self.value == self.value.to_integral() else 2
        return formatting.figure(self.value, self.currency, places=places)

    __str__ = render

    def as_json(self) -> dict:
        return {"figure": f"{self.value:f}", "currency": self.currency, "places": self.places}

    @classmethod
    def of(cls, value: Decimal | None, currency: str = "", text: str = "—"):
        """A figure of ``value``, or ``text`` (e.g. as the source prints a blank) when there is none."""
        return text if value is None else cls(value, currency)


@dataclass(frozen=True)
class Text:
    """A programme text of a message (a table's title), kept in the source's Spanish and in English and
    shown in the reader's language by :func:`in_reader_language` (the Spanish marked ``(es)`` for an
    English reader when nobody wrote the English): ``Text(table.title, table.title_en)``."""

    source: str
    english: str = ""

    def render(self) -> str:
        return str(in_reader_language(self.source, self.english))

    __str__ = render

    def as_json(self) -> dict:
        return {"text": self.source, "en": self.english}


def _rendered(value):
    if isinstance(value, list):
        return "; ".join(_rendered(v) for v in value)
    return value.render() if isinstance(value, Message | Figure | Text) else value


def _as_json(value):
    if isinstance(value, list):
        return [_as_json(v) for v in value]
    return value.as_json() if isinstance(value, Message | Figure | Text) else str(value)


def _from_json(value):
    if isinstance(value, list):
        return [_from_json(v) for v in value]
    if isinstance(value, dict) and "figure" in value:
        return Figure(Decimal(value["figure"]), value.get("currency") or "", value.get("places"))
    if isinstance(value, dict) and "text" in value and "id" not in value:
        return Text(value["text"] or "", value.get("en") or "")
    return Message.from_json(value) if isinstance(value, dict) else value
