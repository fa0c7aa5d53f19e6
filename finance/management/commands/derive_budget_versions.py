from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from agreements.models import Programme
from finance.versions import derive_versions
from reconciliation.services import figures_changed


class Command(BaseCommand):
    help = (
        "Derive (again, idempotently) a programme's first budget versions from its tables as printed: "
        "the original budget and one version per amendment, e.g. derive_budget_versions pcc."
    )

    def add_arguments(self, parser):
        parser.add_argument("programme", help="The programme's code.")

    def handle(self, *args, programme: str, **options):
        found = Programme.objects.filter(code=programme).first()
        if found is None:
            raise CommandError(f"No programme {programme!r}.")
        with transaction.atomic():
            derived = derive_versions(found)
            if derived.changed:
                figures_changed(found, f"derive_budget_versions {found.code}")
        self.stdout.write(f"  versions written: {derived.versions_written}")
        self.stdout.write(f"  lines written: {derived.lines_written}")
        self.stdout.write(f"  lines removed: {derived.lines_removed}")
        for fact in derived.unplaced:
            self.stdout.write(
                self.style.WARNING(
                    f"  left out (its period {fact.period_start}–{fact.period_end} is in no stretch of the "
                    f"agreement's term): {fact.budget_table.code} line {fact.line} {fact.column_header}"
                )
            )
        self.stdout.write(self.style.SUCCESS(f"Budget versions of {found.code} derived."))
