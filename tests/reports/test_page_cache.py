"""The matrix page's body is cached (reports/page_cache.py), and a cached body is never served to
someone who should see something else: another role, another language, another state of the
cycle."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import translation

from capabilities import services

from .test_analysis import make_countries


def _main(response) -> str:
    """The page's main content (the rest holds per-request parts such as the CSRF token)."""
    html = response.content.decode()
    return re.search(r"<main.*?</main>", html, re.S).group(0)


@pytest.fixture
def cohort(cycle):
    make_countries(cycle, 6, income="high")
    make_countries(cycle, 2, start=6, income="low")  # a group below the threshold
    return cycle


@pytest.mark.parametrize("by", ["", "income_group"])
@pytest.mark.parametrize("first", ["analyst", "focal_a"])
def test_a_cached_body_is_never_served_to_another_role(client, request, cycle, first, by):
    """Whoever fills the cache first, every persona is served exactly what a render for them
    alone (empty cache) gives; analysts and focal points get different bodies (exact counts for
    analysts, disclosure control for the others), focal points of two countries the same."""
    if by:
        make_countries(cycle, 6, income="high")
        make_countries(cycle, 2, start=6, income="low")  # a group below the threshold
    else:
        make_countries(cycle, 3)  # a cycle below the threshold: no share shown below analyst
    url = reverse("reports:matrix") + f"?cycle={cycle.code}&by={by}"
    order = [first] + [p for p in ("analyst", "focal_a", "focal_b") if p != first]
    served = {}
    for persona in order:  # one cache, filled by whoever comes first
        client.force_login(request.getfixturevalue(persona))
        served[persona] = _main(client.get(url))
        assert _main(client.get(url)) == served[persona]  # from the cache
    for persona in order:  # each alone
        cache.clear()
        client.force_login(request.getfixturevalue(persona))
        assert _main(client.get(url)) == served[persona], persona
    assert served["analyst"] != served["focal_a"]
    assert served["focal_a"] == served["focal_b"]


def test_the_cached_body_is_what_a_fresh_render_gives_and_costs_one_query(
    client, analyst, cohort, django_assert_num_queries
):
    client.force_login(analyst)
    url = reverse("reports:matrix") + f"?cycle={cohort.code}"
    fresh = _main(client.get(url))
    # session, the user with their profile, the cycles with their stamps: nothing else
    with django_assert_num_queries(3):
        cached = _main(client.get(url))
    assert cached == fresh
    cache.clear()
    assert _main(client.get(url)) == fresh


def test_the_cached_body_follows_the_language(client, analyst, cohort):
    client.force_login(analyst)
    url = reverse("reports:matrix") + f"?cycle={cohort.code}"
    english = _main(client.get(url))
    with translation.override("fr"):
        client.cookies["django_language"] = "fr"
        french = _main(client.get(url, HTTP_ACCEPT_LANGUAGE="fr"))
    assert "Capability matrix" in english and "Matrice des capacités" in french


def test_the_cached_body_follows_a_change_of_the_cycle(client, analyst, cohort):
    """A returned assessment no longer counts: the next page shows it (new cycle stamp)."""
    client.force_login(analyst)
    url = reverse("reports:matrix") + f"?cycle={cohort.code}"
    before = _main(client.get(url))
    assert "8 answered" not in before
    from capabilities.models import Assessment, Status

    assessment = Assessment.objects.filter(cycle=cohort).first()
    Assessment.objects.filter(pk=assessment.pk).update(status=Status.SUBMITTED)
    services.assessment_return(assessment=assessment, user=analyst, reason="Check.")
    after = _main(client.get(url))
    assert after != before
    assert after.count(" of 7") > 0 and before.count(" of 7") == 0


@pytest.mark.parametrize("draft", [False, True])
@pytest.mark.parametrize("first", ["analyst", "focal_a", "focal_b"])
def test_a_cached_profile_is_never_served_to_another_role(
    client, request, first, draft, cohort, assessment_a, country_a, focal_a, questions
):
    """Country A shares its profile: its focal point (who also sees its draft and may read its
    answers), an analyst and a peer (focal point of B) each get what a render for them alone
    gives, whoever filled the cache."""
    from tests.factories import fill

    fill(assessment_a, questions, focal_a, submit=not draft)
    country_a.shares_profile = True
    country_a.save()
    url = reverse("reports:country_profile", args=[country_a.code])
    order = [first] + [p for p in ("analyst", "focal_a", "focal_b") if p != first]
    served = {}
    for persona in order:
        client.force_login(request.getfixturevalue(persona))
        response = client.get(url)
        assert response.status_code == 200
        served[persona] = _main(response)
        assert _main(client.get(url)) == served[persona]
    for persona in order:
        cache.clear()
        client.force_login(request.getfixturevalue(persona))
        assert _main(client.get(url)) == served[persona], persona
    answers = reverse("reports:country_answers", args=[cohort.code, country_a.code, "long", "csv"])
    assert answers in served["focal_a"]
    assert answers not in served["focal_b"]
    if draft:  # the draft is the focal point's alone
        assert cohort.name_en in served["focal_a"] and cohort.name_en not in served["focal_b"]
