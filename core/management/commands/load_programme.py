from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.loading import FixtureError, load_programme


class Command(BaseCommand):
    help = "Load (or reload, idempotently) a programme's folder of fixtures, e.g. fixtures/pcc."

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path)

    def handle(self, *args, folder: Path, **options):
        try:
            ctx = load_programme(folder)
        except FixtureError as exc:
            raise CommandError(str(exc)) from None
        for key, value in sorted(ctx.stats.items()):
            self.stdout.write(f"  {key}: {value}")
        self.stdout.write(self.style.SUCCESS(f"Loaded {folder} ({ctx.programme or 'no programme'})."))
