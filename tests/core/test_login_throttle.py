"""Brute-force protection of the login (django-axes): failures are counted per username and address."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.core.management import call_command
from django.db.models import F
from django.urls import reverse

PASSWORD = "pw-test-123"  # tests.factories.UserFactory
LOCKED_MESSAGE = "Too many failed log-in attempts: this account is locked for 15 minutes."


@pytest.fixture
def english_client(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _log_in(client, username, password, url=None, **extra):
    return client.post(url or reverse("login"), {"username": username, "password": password}, **extra)


def _fail(client, username, times, url=None, **extra):
    for _ in range(times):
        _log_in(client, username, "wrong-password", url, **extra)


def _is_logged_in(client):
    return "_auth_user_id" in client.session


def test_defaults_are_five_failures_and_fifteen_minutes():
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_COOLOFF_TIME == timedelta(minutes=15)


def test_failures_below_the_limit_only_show_the_usual_error(english_client, staff_user):
    _fail(english_client, "staff", settings.AXES_FAILURE_LIMIT - 2)
    response = _log_in(english_client, "staff", "wrong-password")
    assert response.status_code == 200
    assert response.context["form"].errors
    assert "locked" not in response.text
    assert _log_in(english_client, "staff", PASSWORD).status_code == 302


def test_the_right_password_is_refused_after_thirty_wrong_ones(english_client, staff_user):
    _fail(english_client, "staff", 30)

    response = _log_in(english_client, "staff", PASSWORD)

    assert response.status_code == 429
    assert LOCKED_MESSAGE in response.text
    assert not _is_logged_in(english_client)
    assert english_client.get(reverse("agreements:programme_list")).status_code == 302


def test_the_lockout_message_is_in_spanish_by_default(client, staff_user):
    _fail(client, "staff", settings.AXES_FAILURE_LIMIT)
    response = _log_in(client, "staff", PASSWORD)
    assert response.status_code == 429
    assert '<html lang="es">' in response.text
    assert 'role="alert"' in response.text


def test_the_lockout_page_states_the_configured_cool_off(english_client, staff_user, settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_COOLOFF_TIME = timedelta(minutes=1)
    _fail(english_client, "staff", 3)
    response = _log_in(english_client, "staff", PASSWORD)
    assert response.status_code == 429
    assert "this account is locked for 1 minute." in response.text


def test_the_account_opens_again_after_the_cool_off(english_client, staff_user):
    _fail(english_client, "staff", 30)
    assert _log_in(english_client, "staff", PASSWORD).status_code == 429

    # Time passes: the last failure is now older than the cool-off.
    AccessAttempt.objects.update(
        attempt_time=F("attempt_time") - settings.AXES_COOLOFF_TIME - timedelta(seconds=1)
    )

    response = _log_in(english_client, "staff", PASSWORD)
    assert response.status_code == 302
    assert response.url == reverse(settings.LOGIN_REDIRECT_URL)
    assert _is_logged_in(english_client)


def test_an_administrator_can_unlock_an_account(english_client, staff_user):
    _fail(english_client, "staff", settings.AXES_FAILURE_LIMIT)
    call_command("axes_reset_username", "staff")
    assert _log_in(english_client, "staff", PASSWORD).status_code == 302


def test_another_user_from_the_same_address_is_not_locked(english_client, staff_user, partner_a_user):
    _fail(english_client, "staff", 30)

    response = _log_in(english_client, "prosur", PASSWORD)

    assert response.status_code == 302
    assert int(english_client.session["_auth_user_id"]) == partner_a_user.pk


def test_the_same_user_from_another_address_is_not_locked(english_client, staff_user):
    _fail(english_client, "staff", 30, REMOTE_ADDR="203.0.113.7")
    assert _log_in(english_client, "staff", PASSWORD, REMOTE_ADDR="198.51.100.9").status_code == 302


def test_the_admin_login_is_protected_too(english_client, admin_user):
    admin_login = reverse("admin:login")
    _fail(english_client, "admin", 30, admin_login)

    response = _log_in(english_client, "admin", PASSWORD, admin_login)

    assert response.status_code == 429
    assert LOCKED_MESSAGE in response.text
    assert not _is_logged_in(english_client)
