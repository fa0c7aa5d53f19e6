import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError

from core.models import Role, User


def test_demo_users_are_refused_in_production(pcc, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="development only"):
        call_command("create_demo_users")
    assert not User.objects.exists()


def test_demo_users_cover_every_role_and_can_log_in(pcc, settings):
    settings.DEBUG = True
    call_command("create_demo_users")
    call_command("create_demo_users")  # idempotent
    roles = set(User.objects.values_list("memberships__role", flat=True))
    assert roles == {Role.ADMINISTRATOR, Role.PROGRAMME_STAFF, Role.PARTNER_EDITOR, Role.PARTNER_VIEWER}
    assert authenticate(username="prosur", password="demo-pcc-2008") is not None
    assert User.objects.get(username="prosur").memberships.get().organisation.acronym == "PROSUR"
