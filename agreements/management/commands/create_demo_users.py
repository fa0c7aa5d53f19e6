from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from agreements.models import Membership, ProgrammeParticipant, Role
from core.models import Organisation, User

# username, organisation acronym, role, superuser; one per role (README lists them). Each gets its role
# in every programme its organisation takes part in.
DEMO_USERS = [
    ("admin", "COSUDE", Role.ADMINISTRATOR, True),
    ("staff", "COSUDE", Role.PROGRAMME_STAFF, False),
    ("apci", "APCI", Role.PROGRAMME_STAFF, False),
    ("prosur", "PROSUR", Role.PARTNER_EDITOR, False),
    ("prosur-viewer", "PROSUR", Role.PARTNER_VIEWER, False),
    ("ampex", "AMPEX", Role.PARTNER_EDITOR, False),
    ("seco", "SECO", Role.AUDITOR, False),
]


class Command(BaseCommand):
    help = "Create demo users, one per role (development only: refuses to run with DEBUG off)."

    def add_arguments(self, parser):
        parser.add_argument("--password", default="demo-pcc-2008")

    @transaction.atomic
    def handle(self, *args, password: str, **options):
        if not settings.DEBUG:
            raise CommandError("Demo users are for development only; set DEBUG=true to create them.")
        organisations = {
            o.acronym: o for o in Organisation.objects.filter(acronym__in={d[1] for d in DEMO_USERS})
        }
        missing = {d[1] for d in DEMO_USERS} - organisations.keys()
        if missing:
            raise CommandError(
                f"Load a programme first (missing organisations: {', '.join(sorted(missing))})."
            )
        for username, acronym, role, superuser in DEMO_USERS:
            user, _ = User.objects.get_or_create(username=username)
            user.is_superuser = user.is_staff = superuser
            user.set_password(password)
            user.save()
            organisation = organisations[acronym]
            for participation in ProgrammeParticipant.objects.filter(organisation=organisation).distinct():
                Membership.objects.get_or_create(
                    user=user, programme_id=participation.programme_id, organisation=organisation, role=role
                )
            self.stdout.write(f"  {username:<14} {acronym:<8} {Role(role).label}")
        self.stdout.write(self.style.SUCCESS(f"Demo users ready (password: {password})."))
