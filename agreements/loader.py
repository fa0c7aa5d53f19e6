"""Loads ``programme`` (from programme.yaml) and the agreements file it names."""

from __future__ import annotations

from djmoney.money import Money

from agreements.models import (
    Agreement,
    AgreementCeiling,
    AgreementParty,
    AmendedArticle,
    Amendment,
    AmendmentSignatory,
    CeilingChange,
    Component,
    Phase,
    Programme,
    ProgrammeParticipant,
)
from core.loading import FixtureError, LoadContext, parse_date, parse_printed
from core.upsert import upsert


def _money(spec: dict, where: str, path) -> tuple[Money, str, int]:
    try:
        printed, currency, line = str(spec["printed"]), spec["currency"], int(spec["line"])
    except (KeyError, TypeError, ValueError):
        raise FixtureError(path, where, "expected {printed, currency, line}") from None
    return Money(parse_printed(printed, where, path, spec.get("decimal_separator")), currency), printed, line


def load(ctx: LoadContext) -> None:
    spec = ctx.data.get("programme")
    if not spec:
        return
    path = ctx.folder / "programme.yaml"
    programme, changed = upsert(
        Programme,
        {"code": spec["code"]},
        {
            "name": spec["name"],
            "name_en": spec.get("name_en", ""),
            "country": spec["country"],
            "binding_currency": spec.get("binding_currency", "CHF"),
            "description": spec.get("description", ""),
            "description_en": spec.get("description_en", ""),
        },
        reason=ctx.change_reason,
    )
    ctx.programme = programme
    ctx.count("programme", changed)
    for i, p in enumerate(ctx.data.get("participants", [])):
        _, changed = upsert(
            ProgrammeParticipant,
            {
                "programme": programme,
                "organisation": ctx.organisation(p["organisation"], f"participants[{i}]"),
                "role": p["role"],
            },
            {},
            reason=ctx.change_reason,
        )
        ctx.count("participant", changed)
    phases = {}
    for i, ph in enumerate(ctx.data.get("phases", [])):
        where = f"phases[{i}]"
        phases[ph["code"]], changed = upsert(
            Phase,
            {"programme": programme, "code": ph["code"]},
            {
                "name": ph["name"],
                "start_date": parse_date(ph["start"], where, path),
                "end_date": parse_date(ph["end"], where, path),
                "document": ctx.document(ph["document"], where) if ph.get("document") else None,
                "line": ph.get("line"),
            },
            reason=ctx.change_reason,
        )
        ctx.count("phase", changed)
    components = {}
    for i, comp in enumerate(ctx.data.get("components", [])):
        where = f"components[{i}]"
        parent = components.get(comp.get("parent")) if comp.get("parent") else None
        if comp.get("parent") and parent is None:
            raise FixtureError(path, where, f"parent {comp['parent']!r} must be listed before its children")
        components[comp["code"]], changed = upsert(
            Component,
            {"programme": programme, "code": comp["code"]},
            {
                "name": comp["name"],
                "name_en": comp.get("name_en", ""),
                "kind": comp["kind"],
                "parent": parent,
                "order": i,
                "document": ctx.document(comp["document"], where) if comp.get("document") else None,
                "line": comp.get("line"),
            },
            reason=ctx.change_reason,
        )
        ctx.count("component", changed)
    ctx.components = components
    for file_name in ctx.data.get("agreements", []):
        _load_agreement(ctx, file_name, programme, phases)


def _load_agreement(ctx: LoadContext, file_name: str, programme: Programme, phases: dict) -> None:
    path = ctx.folder / file_name
    data = ctx.read_yaml(file_name)
    where = "agreement"
    document = ctx.document(data["document"], where)
    agreement, changed = upsert(
        Agreement,
        {"programme": programme, "code": data["code"]},
        {
            "phase": phases.get(data.get("phase")),
            "title": data["title"],
            "signed_on": parse_date(data.get("signed_on"), where, path),
            "signed_place": data.get("signed_place", ""),
            "start_date": parse_date(data["start"], where, path),
            "end_date": parse_date(data["end"]["date"], where, path),
            "end_date_line": data["end"].get("line"),
            "national_counterpart": ctx.organisation(data["national_counterpart"], where)
            if data.get("national_counterpart")
            else None,
            "exchange_rate": ctx.rates.get(data.get("exchange_rate")) or None,
            "document": document,
            "line": data["line"],
        },
        reason=ctx.change_reason,
    )
    ctx.count("agreement", changed)
    for i, party in enumerate(data.get("parties", [])):
        _, changed = upsert(
            AgreementParty,
            {
                "agreement": agreement,
                "organisation": ctx.organisation(party["organisation"], f"parties[{i}]"),
                "role": party["role"],
            },
            {"represents": party.get("represents", ""), "line": party.get("line")},
            reason=ctx.change_reason,
        )
        ctx.count("agreement party", changed)
    for i, ceiling in enumerate(data.get("ceilings", [])):
        amount, _, line = _money(ceiling, f"ceilings[{i}]", path)
        _, changed = upsert(
            AgreementCeiling,
            {"agreement": agreement, "amount_currency": str(amount.currency)},
            {"amount": amount, "is_cap": ceiling.get("is_cap", False), "line": line},
            reason=ctx.change_reason,
        )
        ctx.count("ceiling", changed)
    for i, am in enumerate(data.get("amendments", [])):
        w = f"amendments[{i}]"
        amendment, changed = upsert(
            Amendment,
            {"agreement": agreement, "sequence": am["sequence"]},
            {
                "number": am.get("number", ""),
                "title": am["title"],
                "signed_on": parse_date(am["signed_on"], w, path),
                "signed_place": am["signed_place"],
                "retroactive_from": parse_date(am.get("retroactive_from"), w, path),
                "entry_into_force_rule": am.get("entry_into_force_rule", ""),
                "entered_into_force_on": parse_date(am.get("entered_into_force_on"), w, path),
                "new_end_date": parse_date((am.get("new_end") or {}).get("date"), w, path),
                "new_end_date_line": (am.get("new_end") or {}).get("line"),
                "document": ctx.document(am.get("document", data["document"]), w),
                "line": am["line"],
            },
            reason=ctx.change_reason,
        )
        ctx.count("amendment", changed)
        for j, s in enumerate(am.get("signatories", [])):
            _, changed = upsert(
                AmendmentSignatory,
                {"amendment": amendment, "name": s["name"]},
                {
                    "position": s["position"],
                    "on_behalf_of": s["on_behalf_of"],
                    "line": s["line"],
                    "organisation": ctx.organisation(s["organisation"], f"{w}.signatories[{j}]")
                    if s.get("organisation")
                    else None,
                },
                reason=ctx.change_reason,
            )
            ctx.count("signatory", changed)
        for art in am.get("articles", []):
            _, changed = upsert(
                AmendedArticle,
                {"amendment": amendment, "article": art["article"]},
                {"scope": art.get("scope", ""), "new_text": art["new_text"].strip(), "line": art["line"]},
                reason=ctx.change_reason,
            )
            ctx.count("amended article", changed)
        for j, ch in enumerate(am.get("ceiling_changes", [])):
            cw = f"{w}.ceiling_changes[{j}]"
            increase, inc_printed, inc_line = _money(ch["increase"], cw + ".increase", path)
            new_total, new_printed, new_line = _money(ch["new_total"], cw + ".new_total", path)
            if increase.currency != new_total.currency:
                raise FixtureError(path, cw, "increase and new total must be in the same currency")
            _, changed = upsert(
                CeilingChange,
                {"amendment": amendment, "increase_currency": str(increase.currency)},
                {
                    "increase": increase,
                    "increase_as_printed": inc_printed,
                    "increase_line": inc_line,
                    "new_total": new_total,
                    "new_total_as_printed": new_printed,
                    "new_total_line": new_line,
                    "is_cap": ch.get("is_cap", False),
                },
                reason=ctx.change_reason,
            )
            ctx.count("ceiling change", changed)
