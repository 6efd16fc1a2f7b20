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


def test_the_cycle_column_of_assessments_sorts_both_ways(client, admin_user, framework, country_a):
    """Sorting by the relation would give newest first both ways (models.cycles_newest_first is
    an OrderBy, which Django does not reverse through a relation): the column orders by
    models.cycle_date."""
    from datetime import date

    from capabilities.models import Assessment

    for code, opens in (("2019", date(2019, 1, 1)), ("2029", date(2029, 1, 1))):
        cycle = Cycle.objects.create(
            code=f"sort-{code}", name_en=f"Sort {code}", name_fr=f"Tri {code}",
            framework=framework, opens_on=opens,
        )  # fmt: skip
        Assessment.objects.create(country=country_a, cycle=cycle)
    client.force_login(admin_user)
    url = reverse("admin:capabilities_assessment_changelist")

    def order(sort: str) -> list[str]:
        page = client.get(url, {"o": sort, "q": country_a.code}).content.decode()
        table = page[page.index('id="result_list"') :]
        table = table[: table.index("</table>")]  # not the cycle filter beside it
        return sorted(["Sort 2019", "Sort 2029"], key=table.index)

    assert order("2") == ["Sort 2019", "Sort 2029"]
    assert order("-2") == ["Sort 2029", "Sort 2019"]
