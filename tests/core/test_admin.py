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


def test_an_admin_edit_of_a_rate_keeps_its_reason_in_the_history(login, admin_user, pcc):
    from django.forms.models import model_to_dict

    from core.models import ExchangeRate

    rate = ExchangeRate.objects.get(code="pcc-chf-usd-1-25")
    data = {k: ("" if v is None else v) for k, v in model_to_dict(rate).items()}
    data.update(rate="1.26", change_reason="Tipo corregido según la transferencia de octubre")
    response = login(admin_user).post(reverse("admin:core_exchangerate_change", args=[rate.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    latest = rate.history.latest()
    assert (str(latest.rate), latest.history_user, latest.history_change_reason) == (
        "1.260000",
        admin_user,
        "Tipo corregido según la transferencia de octubre",
    )
