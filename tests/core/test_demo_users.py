import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import RequestFactory

from agreements.models import Role
from core.models import User


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
    assert roles == set(Role.values)
    login = RequestFactory().post("/accounts/login/")  # django-axes needs the request
    assert authenticate(login, username="prosur", password="demo-pcc-2008") is not None
    membership = User.objects.get(username="prosur").memberships.get()
    assert (membership.programme, membership.organisation.acronym) == (pcc, "PROSUR")
