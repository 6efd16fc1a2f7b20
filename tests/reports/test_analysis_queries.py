"""The matrix, the breakdown and the heat map cost the same number of queries for 5 and 50
countries (no query per country)."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reports import cohorts
from tests.reports.test_analysis import make_countries


def count_queries(client, url: str, params: dict) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def measure(client, cycle, url: str, params: dict) -> tuple[int, int]:
    make_countries(cycle, 5, income="high")
    cohorts.cycles()  # reads the framework versions once per process and framework version
    small = count_queries(client, url, params)
    make_countries(cycle, 45, start=5, income="low")
    large = count_queries(client, url, params)
    return small, large


def test_the_matrix_costs_the_same_queries_for_5_and_50_countries(client, analyst, cycle):
    client.force_login(analyst)
    small, large = measure(client, cycle, reverse("reports:matrix"), {"cycle": cycle.code})
    assert small == large


def test_the_breakdown_costs_the_same_queries_for_5_and_50_countries(client, focal_a, cycle):
    client.force_login(focal_a)
    params = {"cycle": cycle.code, "by": "income_group"}
    small, large = measure(client, cycle, reverse("reports:matrix"), params)
    assert small == large


def test_the_heatmap_costs_the_same_queries_for_5_and_50_countries(client, analyst, cycle):
    client.force_login(analyst)
    small, large = measure(client, cycle, reverse("reports:heatmap"), {"cycle": cycle.code})
    assert small == large


def test_the_matrix_download_costs_the_same_queries_for_5_and_50_countries(client, analyst, cycle):
    client.force_login(analyst)
    url = reverse("reports:matrix_download", args=["csv"])
    small, large = measure(client, cycle, url, {"cycle": cycle.code, "by": "region"})
    assert small == large


def test_scoring_the_matrix_is_three_queries(django_assert_num_queries, cycle):
    from capabilities.aggregates import capability_matrix

    make_countries(cycle, 7)
    with django_assert_num_queries(3):
        capability_matrix(cycle, by="income_group")
