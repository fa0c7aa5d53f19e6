"""The search box: the activities, indicators, findings and source lines a user may see that contain
every word of a query, matched without regard to case or accents ("cooperacion" finds "Cooperación").

Each kind's texts are read in one query, scoped as its list page scopes them, and matched in Python on
a folded text (accents stripped, case folded): the same on SQLite and PostgreSQL, and finding messages
are matched as the reader reads them, in the reader's language. One more query per kind reads the page
of hits shown, so the number of queries does not grow with the hits.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy

from agreements import access
from budgets.views import FINDINGS_PER_PAGE
from reconciliation.models import Finding
from results.models import Activity, Indicator

MIN_QUERY_LENGTH = 2
MAX_QUERY_LENGTH = 200

# The order of the reconciliation list (budgets.views._findings_as_filtered), to link a finding to the
# page of that list it is on.
FINDING_LIST_ORDER = ("rule__budget_table__order", "rule__code", "key")


# The combining marks of the Latin, Greek and Cyrillic scripts, the accents that NFKD takes apart.
_MARKS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


# A thousands mark between digits ("33'915", "33,915"): readers write numbers in their own style, and a
# figure is found whichever style it is shown or typed in ("33915" too).
_GROUPING = re.compile(r"(?<=\d)['’,](?=\d{3}(?!\d))")


def _letters(text: str) -> str:
    if text.isascii():
        return text.lower()
    return _MARKS.sub("", unicodedata.normalize("NFKD", text.casefold()))


def fold(text: str) -> str:
    """``text`` without accents, case folded: "Cooperación" → "cooperacion", "Straße" → "strasse";
    numbers without their thousands marks: "33'915" and "33,915" → "33915"."""
    return _GROUPING.sub("", _letters(text))


def words(query: str) -> list[str]:
    """The folded words of a query, each once, in the order typed."""
    return list(dict.fromkeys(fold(query).split()))


def is_too_short(query: str) -> bool:
    """Whether ``query`` has too few letters to search with (accents alone are none)."""
    return len("".join(words(query))) < MIN_QUERY_LENGTH


def matches(terms: list[str], *texts: str) -> bool:
    """Whether every term is in one of ``texts`` (folded here)."""
    folded = fold("\n".join(texts))
    return all(term in folded for term in terms)


def _spans(text: str, terms: list[str]) -> list[tuple[int, int]]:
    """Where ``terms`` occur in ``text`` (with its accents and case), as sorted, disjoint spans."""
    folded: list[str] = []
    origin: list[int] = []  # for each folded character, the index in ``text`` of the one it comes from
    for index, char in enumerate(text):
        piece = _letters(char)
        folded.append(piece)
        origin.extend([index] * len(piece))
    haystack = "".join(folded)
    dropped = {match.start() for match in _GROUPING.finditer(haystack)}
    if dropped:
        origin = [at for position, at in enumerate(origin) if position not in dropped]
        haystack = "".join(char for position, char in enumerate(haystack) if position not in dropped)
    found: list[tuple[int, int]] = []
    for term in terms:
        start = haystack.find(term)
        while term and start != -1:
            found.append((origin[start], origin[start + len(term) - 1] + 1))
            start = haystack.find(term, start + len(term))
    spans: list[tuple[int, int]] = []
    for start, end in sorted(found):
        if spans and start <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(end, spans[-1][1]))
        else:
            spans.append((start, end))
    return spans


def marked(text: str, terms: list[str], limit: int | None = None) -> list[tuple[str, bool]]:
    """``text`` cut into ``(part, is_a_match)`` pieces for the template to mark the matches. With a
    ``limit``, a longer text is cut to about that many characters around its first match, an ellipsis
    where it was cut."""
    spans = _spans(text, terms)
    first, last = 0, len(text)
    if limit and len(text) > limit:
        around = spans[0][0] if spans else 0
        first = max(0, around - limit // 4)
        if first:
            first = text.find(" ", first, around) + 1 or first  # start at a word
        last = min(len(text), first + limit)
        if last < len(text):
            cut = text.rfind(" ", first + limit // 2, last)  # end at a word
            last = cut if cut != -1 else last
    parts: list[tuple[str, bool]] = [("…", False)] if first else []
    position = first
    for start, end in spans:
        start, end = max(start, position), min(end, last)
        if start >= end:
            continue
        if start > position:
            parts.append((text[position:start], False))
        parts.append((text[start:end], True))
        position = end
    if position < last:
        parts.append((text[position:last], False))
    if last < len(text):
        parts.append(("…", False))
    return parts


KINDS = {
    "activities": gettext_lazy("Activities"),
    "indicators": gettext_lazy("Indicators"),
    "findings": gettext_lazy("Findings"),
    "lines": gettext_lazy("Source text"),
}
TEXT_EXCERPT = 300  # characters of a long text (a source line, a statement) shown around its first match


@dataclass
class Group:
    """The hits of one kind, in the order of the kind's own list: a key for each, and how to load
    the hits of some keys (a page of them), in one query whatever their number."""

    kind: str
    keys: list
    load: Callable[[list], list]
    # Set by the page: its GET parameter, the page of hits shown, and the query of the other parameters.
    param: str = ""
    page: object = None
    query: str = ""

    @property
    def label(self) -> str:
        return KINDS[self.kind]


@dataclass
class Hit:
    """One thing found; its texts are cut into marked pieces only when shown."""

    terms: list[str]

    def mark(self, text: str, limit: int | None = None) -> list[tuple[str, bool]]:
        return marked(text, self.terms, limit)


@dataclass
class ActivityHit(Hit):
    activity: Activity

    @property
    def code(self):
        return self.mark(self.activity.code)

    @property
    def statement(self):
        return self.mark(self.activity.statement, TEXT_EXCERPT)


@dataclass
class IndicatorHit(Hit):
    indicator: Indicator

    @property
    def code(self):
        return self.mark(self.indicator.code)

    @property
    def statement(self):
        return self.mark(self.indicator.statement, TEXT_EXCERPT)


@dataclass
class FindingHit(Hit):
    finding: Finding
    url: str  # the finding on its page of the reconciliation list

    @property
    def text(self):
        return self.mark(self.finding.text)

    @property
    def rule(self):
        return self.mark(self.finding.rule.description)

    @property
    def source_links(self) -> list[tuple[int, str]]:
        document = self.finding.document
        return [(line, document.line_url(line) if document else "") for line in self.finding.lines]


@dataclass
class LineHit(Hit):
    document: object
    number: int
    line: str
    url: str

    @property
    def text(self):
        return self.mark(self.line, TEXT_EXCERPT)


def _in_order(found: dict, keys: list) -> list:
    return [found[key] for key in keys if key in found]


def _activities(user, terms: list[str]) -> Group:
    rows = (
        Activity.objects.for_user(user)
        .order_by("plan__programme__code", "plan__order", "plan__code", "order")
        .values_list("pk", "code", "statement", "target_text", "unit", "plan__organisation__acronym")
    )
    keys = [pk for pk, *texts in rows if matches(terms, *texts)]

    def load(pks: list) -> list[ActivityHit]:
        found = Activity.objects.for_user(user).select_related("plan__organisation").in_bulk(pks)
        return [ActivityHit(terms, activity) for activity in _in_order(found, pks)]

    return Group("activities", keys, load)


def _indicators(user, terms: list[str]) -> Group:
    rows = (
        Indicator.objects.for_user(user)
        .order_by(
            "result__plan__programme__code",
            "result__plan__order",
            "result__plan__code",
            "result__order",
            "order",
        )
        .values_list(
            "pk", "code", "statement", "target_text", "baseline_text", "result__plan__organisation__acronym"
        )
    )
    keys = [pk for pk, *texts in rows if matches(terms, *texts)]

    def load(pks: list) -> list[IndicatorHit]:
        found = Indicator.objects.for_user(user).select_related("result__plan__organisation").in_bulk(pks)
        return [IndicatorHit(terms, indicator) for indicator in _in_order(found, pks)]

    return Group("indicators", keys, load)


def _findings(user, terms: list[str]) -> Group:
    """The current findings (those the reconciliation list shows unless told otherwise), matched on
    their message in the reader's language, their rule, table and partner."""
    rows = (
        Finding.objects.for_user(user)
        .current()
        .order_by("rule__programme__code", *FINDING_LIST_ORDER)
        .values_list(
            "pk",
            "message",
            "message_data",
            "rule__description",
            "table",
            "partner__acronym",
            "rule__programme__code",
        )
    )
    urls: dict[int, str] = {}
    places: dict[str, int] = {}  # per programme, the place of the last finding in its list
    for pk, message, message_data, rule, table, partner, programme in rows:
        place = places[programme] = places.get(programme, -1) + 1
        text = Finding(message=message, message_data=message_data).text
        if matches(terms, text, rule, table, partner or ""):
            page = place // FINDINGS_PER_PAGE + 1
            url = reverse("budgets:reconciliation", args=[programme])
            urls[pk] = f"{url}?page={page}#finding-{pk}" if page > 1 else f"{url}#finding-{pk}"

    def load(pks: list) -> list[FindingHit]:
        found = (
            Finding.objects.for_user(user)
            .select_related("rule", "partner", "document")
            .defer("rule__params", "document__text")
            .in_bulk(pks)
        )
        return [FindingHit(terms, finding, urls[finding.pk]) for finding in _in_order(found, pks)]

    return Group("findings", list(urls), load)


def _lines(user, terms: list[str]) -> Group:
    """The lines of the source documents the user may read, but those the programme withholds."""
    hits = []
    for view in access.readable_documents(user):
        document = view.document
        base = document.get_absolute_url()
        for number, text in enumerate(document.text.splitlines(), start=1):
            if number not in view.hidden_lines and matches(terms, text):
                hits.append(LineHit(terms, document, number, text, f"{base}?lines={number}#L{number}"))
    return Group("lines", hits, list)


def search(user, query: str) -> list[Group]:
    """What ``user`` may see that contains every word of ``query``, grouped by kind."""
    terms = words(query)
    return [_activities(user, terms), _indicators(user, terms), _findings(user, terms), _lines(user, terms)]
