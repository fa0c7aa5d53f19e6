from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.models import User
from core.spreadsheets.columns import NumberLocale
from imports.folders import FolderImportError, import_folder


class Command(BaseCommand):
    help = (
        "Import a folder of spreadsheets named <NN>-<kind>.xlsx (as export_spreadsheets writes them), "
        "kind after kind, all or nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path)
        parser.add_argument(
            "--user", required=True, help="the importing user (an administrator for structures)"
        )
        parser.add_argument("--locale", default=NumberLocale.DOT, choices=NumberLocale.values)

    def handle(self, *args, folder: Path, user: str, locale: str, **options):
        if not folder.is_dir():
            raise CommandError(f"{folder} is not a folder.")
        try:
            importer = User.objects.get(username=user)
        except User.DoesNotExist:
            raise CommandError(f"No user {user!r}.") from None
        try:
            records = import_folder(folder=folder, user=importer, locale=locale)
        except FolderImportError as error:
            raise CommandError(f"Nothing was imported.\n{error}") from None
        for record in records:
            self.stdout.write(
                f"  {record.file_name}: {record.created_count} created, {record.changed_count} changed, "
                f"{record.unchanged_count} unchanged"
            )
        self.stdout.write(self.style.SUCCESS(f"Imported {len(records)} files from {folder}."))
