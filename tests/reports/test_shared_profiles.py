"""A country may opt in to share its profile with peers; until then only its team and the
secretariat see it, and sharing the profile never opens its answers or reports."""

from __future__ import annotations

from django.urls import reverse

from capabilities import services
from capabilities.models import Question, Status


def _submitted_assessment_a(assessment_a, focal_a):
    question = Question.objects.get(framework=assessment_a.cycle.framework, code="C11.in_place")
    services.answer_save(
        assessment=assessment_a,
        question=question,
        value="yes",
        comment="Helpline 116 111",
        user=focal_a,
        base_version=0,
    )
    type(assessment_a).objects.filter(pk=assessment_a.pk).update(status=Status.SUBMITTED)


def test_a_profile_is_closed_to_peers_until_the_country_opts_in(client, focal_b, country_a):
    client.force_login(focal_b)
    url = reverse("reports:country_profile", args=[country_a.code])
    assert client.get(url).status_code == 404
    home = client.get(reverse("home")).content.decode()
    assert country_a.name_en not in home


def test_a_shared_profile_is_open_to_peers_but_not_its_answers_or_reports(
    client, focal_a, focal_b, assessment_a, country_a
):
    _submitted_assessment_a(assessment_a, focal_a)
    country_a.shares_profile = True
    country_a.save()
    client.force_login(focal_b)
    home = client.get(reverse("home")).content.decode()
    assert "Profiles shared by other countries" in home and country_a.name_en in home
    page = client.get(reverse("reports:country_profile", args=[country_a.code]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "Child Helpline" in body
    assert "Helpline 116 111" not in body  # answers' comments are not part of a profile
    cycle = assessment_a.cycle.code
    closed = [
        reverse("capabilities:dashboard", args=[assessment_a.pk]),
        reverse("reports:country_report", args=[cycle, country_a.code]),
        reverse("reports:country_answers", args=[cycle, country_a.code, "long", "csv"]),
    ]
    for url in closed:
        assert client.get(url).status_code == 404, url


def test_a_shared_profile_shows_no_draft(client, focal_b, assessment_a, country_a, focal_a):
    question = Question.objects.get(framework=assessment_a.cycle.framework, code="C11.in_place")
    services.answer_save(
        assessment=assessment_a, question=question, value="yes", user=focal_a, base_version=0
    )
    country_a.shares_profile = True
    country_a.save()
    client.force_login(focal_b)
    body = client.get(reverse("reports:country_profile", args=[country_a.code])).content.decode()
    assert assessment_a.cycle.name_en not in body
