"""``manage.py recover_stalled``: recover the background jobs whose worker died (see ``core.jobs``).

Pages recover the job they show when they read it; this finds the ones nobody looks at, for a cron
job or a systemd timer (every few minutes). Reasons are written in the site's language.
"""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import translation

from core.jobs import recover_stalled, stalled_after


class Command(BaseCommand):
    help = "Mark failed (or resume) the imports and PDF reports whose worker stopped (JOB_STALLED_AFTER_SECONDS)."

    def handle(self, *args, **options):
        with translation.override(settings.LANGUAGE_CODE):
            recovered = recover_stalled()
        seconds = int(stalled_after().total_seconds())
        for kind, count in recovered.items():
            self.stdout.write(f"{kind}: {count} recovered (no sign of life for {seconds} s, or task lost).")
