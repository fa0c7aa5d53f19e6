"""Every admin screen opens for an administrator (changelist, add form and a search)."""

import pytest
from django.contrib import admin
from django.urls import reverse


@pytest.mark.parametrize("model", list(admin.site._registry), ids=lambda m: m._meta.label)
def test_admin_changelist_and_add_pages_open(login, admin_user, model):
    client = login(admin_user)
    prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
    assert client.get(reverse(f"{prefix}_changelist"), {"q": "a"}).status_code == 200
    assert client.get(reverse(f"{prefix}_add")).status_code in (200, 403)


def test_partners_cannot_open_the_admin(login, partner_a_user):
    response = login(partner_a_user).get(reverse("admin:index"))
    assert response.status_code == 302
