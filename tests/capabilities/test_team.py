"""Focal points assign contributors: add (with an invitation e-mail), change domains, remove."""

from __future__ import annotations

import re

from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from capabilities import permissions
from capabilities.models import Profile, Role


def _add(client, **overrides):
    data = {
        "first_name": "Kofi",
        "last_name": "Mensah",
        "email": "Kofi.Mensah@example.gov",
        "domain_codes": ["D3", "D4"],
    }
    data.update(overrides)
    return client.post(reverse("capabilities:team"), data)


def test_focal_point_adds_a_contributor_who_sets_a_password_by_email(client, focal_a, reference):
    client.force_login(focal_a)
    response = _add(client)
    assert response.status_code == 302
    profile = Profile.objects.get(user__email="kofi.mensah@example.gov")
    assert (profile.role, profile.country, profile.domain_codes) == (
        Role.CONTRIBUTOR,
        focal_a.profile.country,
        ["D3", "D4"],
    )
    assert not profile.user.has_usable_password()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["kofi.mensah@example.gov"]
    link = re.search(r"https?://\S+/accounts/password/reset/\S+/", mail.outbox[0].body).group(0)

    client.logout()
    path = link.split("testserver", 1)[1]
    form_page = client.get(path, follow=True)
    assert form_page.status_code == 200
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "a long passphrase 2026", "new_password2": "a long passphrase 2026"},
    )
    assert done.status_code == 302
    profile.user.refresh_from_db()
    assert profile.user.check_password("a long passphrase 2026")


def test_the_new_contributor_edits_only_their_domains(client, focal_a, reference, assessment_a):
    client.force_login(focal_a)
    _add(client)
    user = get_user_model().objects.get(email="kofi.mensah@example.gov")
    assert permissions.editable_domain_codes(user, assessment_a) == {"D3", "D4"}


def test_an_address_already_in_use_is_refused_with_a_message(client, focal_a, focal_b, reference):
    client.force_login(focal_a)
    response = _add(client, email="focal_b@example.org")
    assert response.status_code == 400
    assert "already has an account" in response.content.decode()
    assert focal_b.profile.country.code == "SRB"  # untouched


def test_a_contributor_needs_at_least_one_domain(client, focal_a, reference):
    client.force_login(focal_a)
    response = _add(client, domain_codes=[])
    assert response.status_code == 400
    assert not get_user_model().objects.filter(email="kofi.mensah@example.gov").exists()


def test_focal_point_changes_domains_and_removes_access(client, focal_a, contributor_a):
    client.force_login(focal_a)
    profile = contributor_a.profile
    url = reverse("capabilities:team_member", args=[profile.pk])
    client.post(url, {f"m{profile.pk}-domain_codes": ["D1", "D5"], f"m{profile.pk}-active": "on"})
    profile.refresh_from_db()
    assert profile.domain_codes == ["D1", "D5"]
    client.post(url, {f"m{profile.pk}-domain_codes": ["D1"]})
    contributor_a.refresh_from_db()
    assert contributor_a.is_active is False


def test_a_focal_point_cannot_touch_another_countrys_team(client, focal_b, contributor_a):
    client.force_login(focal_b)
    url = reverse("capabilities:team_member", args=[contributor_a.profile.pk])
    response = client.post(url, {f"m{contributor_a.profile.pk}-domain_codes": ["D1"]})
    assert response.status_code == 404
    contributor_a.profile.refresh_from_db()
    assert contributor_a.profile.domain_codes == ["D2"]
    page = client.get(reverse("capabilities:team")).content.decode()
    assert contributor_a.email not in page


def test_contributors_and_analysts_do_not_manage_teams(client, contributor_a, analyst):
    for user in (contributor_a, analyst):
        client.force_login(user)
        assert client.get(reverse("capabilities:team")).status_code == 403


def test_an_empty_form_names_each_missing_field_in_the_error_summary(client, focal_a, reference):
    client.force_login(focal_a)
    response = _add(client, first_name="", last_name="", email="", domain_codes=[])
    summary = response.content.decode().split("data-error-summary")[1].split("</div>")[0]
    assert "This field is required" not in summary
    for message, field in (
        ("Enter the contributor&#x27;s first name.", "id_first_name"),
        ("Enter the contributor&#x27;s last name.", "id_last_name"),
        ("Enter the contributor&#x27;s e-mail address.", "id_email"),
        ("Choose at least one domain the contributor may answer.", "id_domain_codes_0"),
    ):
        assert f'href="#{field}">{message}</a>' in summary
    bad = _add(client, email="kofi at example")
    assert "Enter the e-mail address in the form name@example.org." in bad.content.decode()
