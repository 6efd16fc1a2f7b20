"""Pages cost the same number of queries whatever the amount of data (no queries in loops)."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from capabilities import services
from capabilities.models import Assessment, Country, IncomeGroup, Region, Status
from tests.factories import answers_create


def _value(question) -> str:
    return {
        "yes_no": "yes",
        "maturity": "2",
        "number": "2020",
        "text": "Described in the plan.",
    }.get(question.kind) or question.options.all()[0].code


def _answer(assessment, user, questions, count: int, analyst=None) -> None:
    answers_create(
        assessment,
        questions[:count],
        user,
        value=_value,
        comments={q.code: "c" for q in questions[:count]},
        evidence=lambda q: ["https://gov.example/doc"],
    )


def _queries(client, url: str) -> int:
    """Queries of a second load (the first fills the cache of the framework's questions)."""
    client.get(url)
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries)


def test_dashboard_costs_the_same_queries_with_10_and_100_answers(
    client, focal_a, contributor_a, assessment_a, questions, django_assert_num_queries
):
    client.force_login(focal_a)
    url = reverse("capabilities:dashboard", args=[assessment_a.pk])
    _answer(assessment_a, focal_a, questions, 10)
    small = _queries(client, url)
    _answer(assessment_a, contributor_a, questions[10:], 90)
    assert assessment_a.answers.count() == 100
    with django_assert_num_queries(small):
        response = client.get(url)
    assert "Completed" in response.content.decode()
    assert small <= 14


def test_domain_page_costs_the_same_queries_with_10_and_100_answers(
    client, focal_a, analyst, assessment_a, questions, django_assert_num_queries
):
    client.force_login(focal_a)
    url = reverse("capabilities:domain", args=[assessment_a.pk, "D1"])
    _answer(assessment_a, focal_a, questions, 10)
    # submitted once and returned (a draft again): the secretariat's comments are read
    Assessment.objects.filter(pk=assessment_a.pk).update(submitted_at=assessment_a.updated_at)
    assessment_a.refresh_from_db()
    small = _queries(client, url)
    _answer(assessment_a, focal_a, questions[10:], 90)
    for question in questions[:17]:
        services.review_comment_add(
            assessment=assessment_a, question=question, user=analyst, text="Check."
        )
    with django_assert_num_queries(small):
        client.get(url)
    assert small <= 16


def test_check_answers_and_review_pages_cost_the_same_queries_with_10_and_100_answers(
    client, focal_a, analyst, assessment_a, questions, django_assert_num_queries
):
    _answer(assessment_a, focal_a, questions, 10)
    assessment_a.submitted_at = assessment_a.updated_at  # readable by the analyst
    assessment_a.save()
    urls = [
        (focal_a, reverse("capabilities:check_answers", args=[assessment_a.pk])),
        (analyst, reverse("capabilities:review", args=[assessment_a.pk])),
    ]
    small = {}
    for user, url in urls:
        client.force_login(user)
        small[url] = _queries(client, url)
    _answer(assessment_a, focal_a, questions[10:], 90)
    for user, url in urls:
        client.force_login(user)
        with django_assert_num_queries(small[url]):
            client.get(url)


def _countries(cycle, count: int, offset: int = 0) -> None:
    countries = Country.objects.exclude(code__in=["GHA", "SRB"]).order_by("code")[
        offset : offset + count
    ]
    incomes, regions = IncomeGroup.values, Region.values
    for index, country in enumerate(countries):
        services.participation_set(
            cycle=cycle,
            country=country,
            income_group=incomes[index % len(incomes)],
            region=regions[index % len(regions)],
        )
        status = [Status.NOT_STARTED, Status.DRAFT, Status.SUBMITTED][index % 3]
        Assessment.objects.create(country=country, cycle=cycle, status=status)


def test_analysts_list_costs_the_same_queries_with_5_and_50_countries(
    client, analyst, cycle, django_assert_num_queries
):
    client.force_login(analyst)
    url = reverse("capabilities:assessment_list") + f"?cycle={cycle.code}&sort=-progress"
    _countries(cycle, 5)
    small = _queries(client, url)
    _countries(cycle, 45, offset=5)
    assert Assessment.objects.filter(cycle=cycle).count() == 50
    with django_assert_num_queries(small):
        response = client.get(url)
    assert response.content.decode().count('<th scope="row">') == 50


def test_review_queue_costs_the_same_queries_with_5_and_50_countries(
    client, analyst, cycle, django_assert_num_queries
):
    client.force_login(analyst)
    url = reverse("capabilities:review_queue")
    _countries(cycle, 5)
    small = _queries(client, url)
    _countries(cycle, 45, offset=5)
    with django_assert_num_queries(small):
        client.get(url)


def test_home_costs_the_same_queries_for_a_focal_point_with_more_cycles(
    client, focal_a, framework, country_a, django_assert_num_queries
):
    from capabilities.models import Cycle

    client.force_login(focal_a)

    def cycles(start: int, count: int) -> None:
        for number in range(start, start + count):
            cycle = Cycle.objects.create(
                code=f"c{number}", name_en=f"C{number}", name_fr=f"C{number}", framework=framework
            )
            services.assessment_get_or_create(country=country_a, cycle=cycle)

    cycles(0, 1)
    small = _queries(client, reverse("home"))
    cycles(1, 9)
    with django_assert_num_queries(small):
        client.get(reverse("home"))
