"""budgets:explain — staff explain a finding; partners cannot."""

from django.urls import reverse

from reconciliation.models import Finding, FindingStatus


def _url(finding):
    return reverse("budgets:explain", args=["pcc", finding.pk])


def test_staff_mark_a_finding_explained_with_a_comment(login, staff_user, findings):
    finding = Finding.objects.get(rule__code="ceiling/programa-total-chf")
    response = login(staff_user).post(_url(finding), {"comment": "CHF 1,076 sin asignar"})
    assert response.status_code == 302
    finding.refresh_from_db()
    assert finding.status == FindingStatus.EXPLAINED
    assert (finding.explanation, finding.explained_by) == ("CHF 1,076 sin asignar", staff_user)
    assert finding.history.first().history_user == staff_user


def test_an_empty_comment_explains_nothing(login, staff_user, findings):
    finding = Finding.objects.get(rule__code="ceiling/programa-total-chf")
    login(staff_user).post(_url(finding), {"comment": ""})
    finding.refresh_from_db()
    assert finding.status == FindingStatus.OPEN


def test_a_partner_cannot_explain_its_own_finding(login, partner_a_user, findings):
    finding = Finding.objects.get(rule__code="results:budget-by-result-wording", lines=[341, 593])
    assert finding.partner.acronym == "PROSUR"
    assert login(partner_a_user).post(_url(finding), {"comment": "No"}).status_code == 403
    finding.refresh_from_db()
    assert finding.status == FindingStatus.OPEN


def test_a_partner_does_not_see_another_partners_finding(login, partner_b_user, findings):
    finding = Finding.objects.get(rule__code="results:budget-by-result-wording", lines=[341, 593])
    assert login(partner_b_user).post(_url(finding), {"comment": "No"}).status_code == 404


def test_explaining_needs_post(login, staff_user, findings):
    finding = Finding.objects.get(rule__code="ceiling/programa-total-chf")
    assert login(staff_user).get(_url(finding)).status_code == 405


def test_the_finding_shows_its_status_changes_on_the_reconciliation_page(login, staff_user, findings):
    finding = Finding.objects.get(rule__code="ceiling/programa-total-chf")
    client = login(staff_user)
    client.post(_url(finding), {"comment": "CHF 1,076 sin asignar"})
    page = client.get(
        reverse("budgets:reconciliation", args=["pcc"]), {"status": "explained"}
    ).content.decode()
    row = page[page.index(f'id="finding-{finding.pk}"') :]
    row = row[: row.index("</tr>")]
    assert 'class="status-change"' in row
    assert "Abierto → Explicado" in row and staff_user.username in row and "CHF 1,076 sin asignar" in row


def test_explaining_returns_to_the_findings_as_they_were_filtered(login, staff_user, findings):
    finding = Finding.objects.get(rule__code="ceiling/programa-total-chf")
    client = login(staff_user)
    listed = reverse("budgets:reconciliation", args=["pcc"]) + "?severity=material&status=open&page=1"
    page = client.get(listed).content.decode()
    assert f'<input type="hidden" name="next" value="{listed.replace("&", "&amp;")}">' in page
    response = client.post(_url(finding), {"comment": "CHF 1,076 sin asignar", "next": listed})
    assert response.status_code == 302 and response["Location"] == listed
    assert "El hallazgo quedó marcado como explicado." in client.get(listed).content.decode()


def test_explaining_with_a_next_off_the_site_returns_to_the_reconciliation(login, staff_user, findings):
    finding = Finding.objects.get(rule__code="ceiling/programa-total-chf")
    response = login(staff_user).post(_url(finding), {"comment": "Sin asignar", "next": "//evil.example/"})
    assert response["Location"] == reverse("budgets:reconciliation", args=["pcc"])
