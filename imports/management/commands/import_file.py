from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from core.models import ImportStatus, User
from core.spreadsheets.columns import NumberLocale
from core.spreadsheets.errors import Problem
from imports.registry import registry
from imports.services import import_cancel, import_commit, import_dry_run, import_start


class Command(BaseCommand):
    help = (
        "Import one spreadsheet of a kind through the same pipeline as the import pages: checked first "
        "(every error with its row and column), then written all at once, or with --dry-run only checked."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(registry()))
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--user", required=True, help="the importing user; what they may import is checked"
        )
        parser.add_argument("--locale", default=NumberLocale.DOT, choices=NumberLocale.values)
        parser.add_argument("--dry-run", action="store_true", help="check and count, write nothing")

    def handle(self, *args, kind: str, file: Path, user: str, locale: str, dry_run: bool, **options):
        if not file.is_file():
            raise CommandError(_("%(file)s is not a file.") % {"file": file})
        try:
            importer = User.objects.get(username=user)
        except User.DoesNotExist:
            raise CommandError(_("There is no user %(user)s.") % {"user": user}) from None
        with file.open("rb") as stream:
            try:
                record = import_start(
                    user=importer, kind=kind, upload=File(stream, name=file.name), locale=locale
                )
            except PermissionDenied:
                raise CommandError(
                    _("%(user)s may not import %(kind)s.") % {"user": user, "kind": kind}
                ) from None
        record = import_dry_run(record=record)
        if record.status != ImportStatus.DRY_RUN or record.error_count:
            problems = [f"  {p.location()}: {p.text()}" for p in map(Problem.from_json, record.errors)]
            more = record.error_count - len(problems)
            raise CommandError(
                "\n".join(
                    filter(
                        None,
                        [
                            _("Nothing was imported from %(file)s.") % {"file": file.name},
                            record.message,
                            *problems,
                        ],
                    )
                )
                + ("\n  " + _("… and %(count)s more") % {"count": more} if more > 0 else "")
            )
        counts = _("%(created)s new, %(changed)s changed, %(unchanged)s unchanged") % {
            "created": record.created_count,
            "changed": record.changed_count,
            "unchanged": record.unchanged_count,
        }
        done = {"file": file.name, "pk": record.pk, "counts": counts}
        if dry_run:
            import_cancel(record=record, user=importer)  # drops the staged rows
            self.stdout.write(_("Checked %(file)s (import #%(pk)s): %(counts)s; nothing written.") % done)
            return
        record = import_commit(record=record)
        if record.status != ImportStatus.DONE:
            raise CommandError(
                _("Nothing was imported from %(file)s: %(message)s") % {**done, "message": record.message}
            )
        self.stdout.write(self.style.SUCCESS(_("Imported %(file)s (import #%(pk)s): %(counts)s.") % done))
