"""An administrator can create a cycle and make a user the focal point of a country, in the admin."""

from django.contrib.auth import get_user_model
from django.urls import reverse

from capabilities.models import Cycle, Profile


def test_admin_creates_a_cycle(client, admin_user, framework):
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:capabilities_cycle_add"),
        {
            "code": "2027",
            "name_en": "2027 assessment",
            "name_fr": "Évaluation 2027",
            "framework": framework.pk,
            "opens_on": "2027-01-01",
            "deadline": "2027-06-30",
            "participations-TOTAL_FORMS": "0",
            "participations-INITIAL_FORMS": "0",
            "participations-MIN_NUM_FORMS": "0",
            "participations-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    cycle = Cycle.objects.get(code="2027")
    assert cycle.framework == framework and str(cycle.deadline) == "2027-06-30"


def test_admin_assigns_a_focal_point_to_a_country(client, admin_user, country_a):
    client.force_login(admin_user)
    user = get_user_model().objects.create_user("newfocal", password="x")
    url = reverse("admin:auth_user_change", args=[user.pk])
    page = client.get(url)
    assert page.status_code == 200
    response = client.post(
        url,
        {
            "username": "newfocal",
            "first_name": "New",
            "last_name": "Focal",
            "email": "new@example.org",
            "is_active": "on",
            "date_joined_0": "2025-01-01",
            "date_joined_1": "00:00:00",
            "profile-TOTAL_FORMS": "1",
            "profile-INITIAL_FORMS": "0",
            "profile-MIN_NUM_FORMS": "0",
            "profile-MAX_NUM_FORMS": "1",
            "profile-0-role": "focal_point",
            "profile-0-country": country_a.pk,
            "profile-0-language": "fr",
            "profile-0-user": user.pk,
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    profile = Profile.objects.get(user=user)
    assert (profile.role, profile.country, profile.language) == ("focal_point", country_a, "fr")


def test_admin_refuses_a_contributor_without_domains(client, admin_user, country_a):
    client.force_login(admin_user)
    user = get_user_model().objects.create_user("newcontrib", password="x")
    response = client.post(
        reverse("admin:auth_user_change", args=[user.pk]),
        {
            "username": "newcontrib",
            "is_active": "on",
            "date_joined_0": "2025-01-01",
            "date_joined_1": "00:00:00",
            "profile-TOTAL_FORMS": "1",
            "profile-INITIAL_FORMS": "0",
            "profile-MIN_NUM_FORMS": "0",
            "profile-MAX_NUM_FORMS": "1",
            "profile-0-role": "contributor",
            "profile-0-country": country_a.pk,
            "profile-0-user": user.pk,
        },
    )
    assert response.status_code == 200
    assert "Choose at least one domain" in response.content.decode()
    assert not Profile.objects.filter(user=user).exists()


def test_answers_and_history_cannot_be_edited_in_the_admin(client, admin_user):
    client.force_login(admin_user)
    assert client.get(reverse("admin:capabilities_answer_add")).status_code == 403
    assert client.get(reverse("admin:capabilities_answerchange_add")).status_code == 403
