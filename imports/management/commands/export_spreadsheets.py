from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from agreements.models import Programme
from core.models import User
from imports.folders import export_programme


class Command(BaseCommand):
    help = (
        "Write a programme's data as spreadsheets, one XLSX per importable kind "
        "(e.g. export_spreadsheets pcc fixtures/pcc/spreadsheets)."
    )

    def add_arguments(self, parser):
        parser.add_argument("programme", help="programme code")
        parser.add_argument("folder", type=Path)
        parser.add_argument(
            "--user",
            default="",
            help="export what this user may see (default: everything, as an administrator)",
        )

    def handle(self, *args, programme: str, folder: Path, user: str, **options):
        try:
            programme_obj = Programme.objects.get(code=programme)
        except Programme.DoesNotExist:
            raise CommandError(f"No programme with the code {programme!r}.") from None
        if user:
            try:
                exporter = User.objects.get(username=user)
            except User.DoesNotExist:
                raise CommandError(f"No user {user!r}.") from None
        else:
            # Not saved: an administrator in memory, so the export needs no account.
            exporter = User(username="export", is_superuser=True)
        for path, rows in export_programme(programme=programme_obj, folder=folder, user=exporter):
            self.stdout.write(f"  {path}: {rows} rows")
        self.stdout.write(self.style.SUCCESS(f"Exported {programme} to {folder}."))
