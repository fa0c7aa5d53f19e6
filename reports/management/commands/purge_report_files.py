"""``manage.py purge_report_files [--days N]``: delete PDF report jobs and files older than N days.

Every finished render also purges, so this is for a cron job or a shrunk setting. N defaults to
``REPORT_FILES_MAX_AGE_DAYS`` (7).
"""

from django.core.management.base import BaseCommand, CommandError

from reports.services import max_age_days, report_files_purge


class Command(BaseCommand):
    help = "Delete PDF report jobs and their files older than N days (default REPORT_FILES_MAX_AGE_DAYS)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None, help="Age in days (default: the setting).")

    def handle(self, *args, days: int | None, **options):
        days = max_age_days() if days is None else days
        if days < 0:
            raise CommandError("--days cannot be negative.")
        deleted = report_files_purge(days=days)
        self.stdout.write(
            self.style.SUCCESS(f"Deleted {deleted} PDF report file(s) older than {days} day(s).")
        )
