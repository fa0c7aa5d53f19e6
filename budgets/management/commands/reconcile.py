"""``manage.py reconcile``: recompute every rule and print what does not hold."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from agreements.models import Programme
from reconciliation.engine import reconcile, summarise
from reconciliation.models import Severity

FAIL_LEVELS = {"material": {Severity.MATERIAL}, "rounding": {Severity.MATERIAL, Severity.ROUNDING}}


class Command(BaseCommand):
    help = "Recompute the reconciliation rules of one or every programme and report the findings."

    def add_arguments(self, parser):
        parser.add_argument("--programme", help="Programme code (default: every programme).")
        parser.add_argument("--format", choices=["text", "json"], default="text")
        parser.add_argument(
            "--fail-on",
            choices=sorted(FAIL_LEVELS),
            help="Exit with status 1 when findings of this severity (or worse) exist.",
        )

    def handle(self, *args, programme=None, format="text", fail_on=None, **options):
        programmes = Programme.objects.order_by("code")
        if programme:
            programmes = programmes.filter(code=programme)
            if not programmes.exists():
                raise CommandError(f"No programme with code {programme!r}.")
        rows, failing = [], 0
        for prog in programmes:
            findings = reconcile(prog)
            summary = summarise(prog)
            for f in sorted(
                findings,
                key=lambda f: (
                    getattr(f.rule.subject, "order", 0),
                    min(f.lines or [0]),
                    f.rule.code,
                    f.key,
                ),
            ):
                rows.append(
                    {
                        "programme": prog.code,
                        "rule": f.rule.code,
                        "kind": f.rule.kind,
                        "key": f.key,
                        "severity": f.severity,
                        "status": f.status,
                        "stated": f.stated,
                        "recomputed": f.recomputed,
                        "difference": None if f.difference is None else f"{f.difference.normalize():f}",
                        "currency": f.currency,
                        "table": f.table,
                        "lines": f.lines,
                        "message": f.message,
                        "description": f.rule.description,
                    }
                )
                if fail_on and f.severity in FAIL_LEVELS[fail_on]:
                    failing += 1
            if format == "text":
                self.stdout.write(
                    f"{prog.code}: {summary.rules} rules, {summary.holding} hold, {summary.rounding} rounding, "
                    f"{summary.observation} observation, {summary.material} material, {summary.unchecked} unchecked"
                )
        if format == "json":
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
        else:
            for row in rows:
                lines = ", ".join(map(str, row["lines"]))
                self.stdout.write(f"[{row['severity']}] {row['rule']} (lines {lines}): {row['message']}")
        if failing:
            raise CommandError(f"{failing} finding(s) at or above {fail_on}.", returncode=1)
