"""Disclosure control: no hidden cell's yes count can be worked out by anyone below analyst.

The auditor (capabilities.disclosure) reads what a persona receives — the real matrix download —
and computes the bounds of every hidden cell. It must find leaks where they exist (analysts'
exact breakdowns, the old one-complementary-cell rule) and none for a focal point: on the 2021
baseline, on hand-built edge cases, and on generated cycles (Hypothesis).
"""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from capabilities import disclosure, scoring
from capabilities.disclosure import Shown, hidden_bounds
from capabilities.models import (
    Answer,
    Assessment,
    Country,
    Cycle,
    IncomeGroup,
    Participation,
    Question,
    Region,
    Status,
)
from capabilities.reference_data import BASELINE_CSV
from capabilities.scoring import Counts, protect_breakdown

K = 5
BASELINE = BASELINE_CSV  # the project's own copy (fixtures/baseline/)


def shown_of(cells) -> list[Shown]:
    return [Shown(c.group, c.population, c.answered, c.yes, c.no) for c in cells]


def audit(overall: Counts, groups: list[tuple[str, Counts]], k: int = K) -> list:
    """What a focal point sees of one capability (overall shown when >= K answered), audited."""
    cells = protect_breakdown("C01", overall, groups, k)
    top = scoring.score_cell("C01", "", overall, k)
    return [
        b
        for b in hidden_bounds(
            Shown("", top.population, top.answered, top.yes, top.no), shown_of(cells)
        )
        if b.workable
    ]


# ---------------------------------------------------------------------------------------------
# The auditor can fail: the attacks of issue 10 on the rule as it was


def test_auditor_finds_the_country_without_a_group():
    # 12 countries: two groups of 5 and 6 shown in full, one country has no group.
    overall = Shown("", 12, 12, 8, 4)
    groups = [Shown("a", 5, 5, 4, 1), Shown("b", 6, 6, 3, 3)]
    found = [b for b in hidden_bounds(overall, groups) if b.workable]
    assert [(b.group, b.lower) for b in found] == [(disclosure.NO_GROUP, 1)]


def test_auditor_finds_the_unanimous_hidden_rest_and_the_answered_count_of_a_hidden_cell():
    # Old rule: the 1-country group and the next smallest hidden; together 11 yes of 11 answering.
    overall = Shown("", 30, 28, 20, 8)
    groups = [
        Shown("low", 1, 1),
        Shown("lower_middle", 10, 10),
        Shown("upper_middle", 9, 8, 4, 4),
        Shown("high", 10, 9, 5, 4),
    ]
    found = {b.group: (b.lower, b.upper) for b in hidden_bounds(overall, groups) if b.workable}
    assert found == {"low": (1, 1), "lower_middle": (10, 10)}


def test_auditor_does_not_flag_what_the_total_alone_says():
    # Everyone answered yes: each country's answer is public from the total, not from a group.
    overall = Shown("", 10, 10, 10, 0)
    bounds = hidden_bounds(overall, [Shown("low", 1), Shown("high", 9)])
    assert bounds and all(b.lower == b.upper and b.inherent and not b.workable for b in bounds)


# ---------------------------------------------------------------------------------------------
# Hand-built edge cases on the rule itself


def test_one_country_without_a_group_is_protected():
    overall = Counts(population=12, yes=8, no=4)
    groups = [("a", Counts(5, yes=4, no=1)), ("b", Counts(6, yes=3, no=3))]
    cells = protect_breakdown("C01", overall, groups, K)
    assert [c.suppressed for c in cells] == [True, False]  # a hidden with the no-group country
    assert cells[0].answered is None and cells[0].reason == scoring.REASON_COMPLEMENTARY
    assert audit(overall, groups) == []


def test_unanimous_hidden_rest_hides_more_groups():
    # The 1-country group and the next smallest (8 answering) are all yes together: a third
    # group (fewest answers, then code) is hidden as well.
    overall = Counts(population=30, yes=19, no=9, dont_know=2)
    groups = [
        ("low", Counts(1, yes=1)),
        ("lower_middle", Counts(8, yes=8)),
        ("upper_middle", Counts(11, yes=5, no=5, dont_know=1)),
        ("high", Counts(10, yes=5, no=4, dont_know=1)),
    ]
    cells = protect_breakdown("C01", overall, groups, K)
    hidden = [c.group for c in cells if c.suppressed]
    assert hidden == ["low", "lower_middle", "high"]
    assert all(c.answered is None and c.no_answer is None for c in cells if c.suppressed)
    assert audit(overall, groups) == []


@pytest.mark.parametrize("answered", [K - 1, K, K + 1])
def test_small_group_around_k(answered):
    big = Counts(20, yes=12, no=8)
    small = Counts(answered, yes=answered - 2, no=2)
    overall = Counts(20 + answered, yes=12 + answered - 2, no=10)
    cells = protect_breakdown("C01", overall, [("big", big), ("small", small)], K)
    if answered < K:
        assert all(c.suppressed for c in cells)  # the only other group hides with it
    else:
        assert not any(c.suppressed for c in cells)
        assert cells[1].yes == answered - 2
    assert audit(overall, [("big", big), ("small", small)]) == []


def test_a_whole_breakdown_is_withheld_when_nothing_else_protects_a_group():
    # Nobody answered no: any hidden group would be "all yes".
    overall = Counts(population=12, yes=11, no=0, dont_know=1)
    groups = [("low", Counts(1, yes=1)), ("high", Counts(11, yes=10, dont_know=1))]
    cells = protect_breakdown("C01", overall, groups, K)
    assert all(c.suppressed and c.answered is None for c in cells)
    assert audit(overall, groups) == []


def test_cohort_counts_k_countries_other_than_itself():
    cell = scoring.score_cell("C01", "low", Counts(K, yes=3, no=2), K)
    mine = scoring.CapabilityStatus("C01", "yes")
    assert scoring.cohort_cell(cell, mine, K).suppressed
    assert not scoring.cohort_cell(cell, scoring.CapabilityStatus("C01", ""), K).suppressed
    rows = [("D1", 12, 5, K)]
    caps = [scoring.CapabilityRef("C01", "x", "x", "D1", "d", "d")]
    assert scoring.cohort_domain_from_rows(caps, rows, K, {"D1": 1})[0].suppressed
    assert not scoring.cohort_domain_from_rows(caps, rows, K, {})[0].suppressed


# ---------------------------------------------------------------------------------------------
# Generated cycles, pure (fast: many examples)

VALUES = ("yes", "no", "dont_know", "")
GROUPS = ("", "g1", "g2", "g3", "g4")


@st.composite
def cycles(draw, max_countries: int = 30):
    n = draw(st.integers(min_value=1, max_value=max_countries))
    return draw(
        st.lists(
            st.tuples(st.sampled_from(GROUPS), st.sampled_from(VALUES)), min_size=n, max_size=n
        )
    )


def counts_of(rows) -> Counts:
    return Counts(
        population=len(rows),
        yes=sum(v == "yes" for _g, v in rows),
        no=sum(v == "no" for _g, v in rows),
        dont_know=sum(v == "dont_know" for _g, v in rows),
    )


@hsettings(max_examples=1000, deadline=None)
@given(cycles(), st.integers(min_value=2, max_value=6))
def test_generated_cycles_leave_no_workable_hidden_cell(rows, k):
    overall = counts_of(rows)
    groups = [
        (g, counts_of([r for r in rows if r[0] == g]))
        for g in GROUPS[1:]
        if any(r[0] == g for r in rows)
    ]
    assert audit(overall, groups, k) == []


# ---------------------------------------------------------------------------------------------
# Over the real download views


def download_rows(client, user, cycle_code: str) -> list[dict[str, str]]:
    client.force_login(user)
    response = client.get(f"/downloads/{cycle_code}/matrix.csv")
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def baseline(reference) -> Cycle:
    call_command(
        "import_responses",
        str(BASELINE),
        cycle="baseline-2021",
        create_participants=True,
        illustrative=True,
        stdout=io.StringIO(),
    )
    return Cycle.objects.get(code="baseline-2021")


def test_baseline_download_leaks_nothing_to_a_focal_point(client, baseline, focal_a):
    rows = download_rows(client, focal_a, "baseline-2021")
    bounds = disclosure.audit_rows(rows)
    assert bounds  # the low-income respondent and others are hidden cells
    assert [b for b in bounds if b.workable] == []


def test_matrix_page_downloads_leak_nothing_to_a_focal_point(client, baseline, focal_a):
    client.force_login(focal_a)
    rows = []
    for by in scoring.GROUP_FIELDS:
        response = client.get(
            reverse("reports:matrix_download", args=["csv"]), {"cycle": "baseline-2021", "by": by}
        )
        part = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
        rows += [dict(r, breakdown=by if r["group"] else "") for r in part]
    assert disclosure.audit_rows(rows)
    assert disclosure.leaks(rows) == []


def test_auditor_finds_the_exact_figures_analysts_receive(client, baseline, analyst):
    # Analysts keep exact figures (the one-complementary-cell rule): the auditor sees through it.
    rows = download_rows(client, analyst, "baseline-2021")
    assert disclosure.leaks(rows)


def test_baseline_xlsx_matches_the_csv_for_a_focal_point(client, baseline, focal_a):
    from openpyxl import load_workbook

    client.force_login(focal_a)
    response = client.get("/downloads/baseline-2021/matrix.xlsx")
    book = load_workbook(io.BytesIO(response.content))
    rows = []
    for sheet in book.worksheets:
        values = list(sheet.iter_rows(values_only=True))
        header = values[0]
        rows += [dict(zip(header, r, strict=True)) for r in values[1:]]
    assert disclosure.audit_rows(rows) and disclosure.leaks(rows) == []


@pytest.fixture
def generated_cycle(framework) -> tuple[Cycle, list[Country], list[Question]]:
    cycle = Cycle.objects.create(
        code="gen", name_en="Generated", name_fr="Généré", framework=framework
    )
    countries = list(Country.objects.order_by("code")[:24])
    headlines = list(
        Question.objects.for_framework(framework).filter(is_headline=True).order_by("code")[:3]
    )
    return cycle, countries, headlines


INCOMES = ("", *IncomeGroup.values[:3])
REGIONS = ("", *Region.values[:3])


@hsettings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(INCOMES),
            st.sampled_from(REGIONS),
            st.lists(st.sampled_from(VALUES), min_size=3, max_size=3),
        ),
        min_size=1,
        max_size=24,
    )
)
def test_generated_cycles_through_the_download_view(client, focal_a, generated_cycle, people):
    cycle, countries, headlines = generated_cycle
    with transaction.atomic():
        assessments = Assessment.objects.bulk_create(
            Assessment(cycle=cycle, country=c, status=Status.SUBMITTED)
            for c in countries[: len(people)]
        )
        Participation.objects.bulk_create(
            Participation(cycle=cycle, country=a.country, income_group=inc, region=reg)
            for a, (inc, reg, _v) in zip(assessments, people, strict=True)
            if inc or reg
        )
        Answer.objects.bulk_create(
            Answer(assessment=a, question=q, value=v)
            for a, (_i, _r, values) in zip(assessments, people, strict=True)
            for q, v in zip(headlines, values, strict=True)
            if v
        )
        rows = download_rows(client, focal_a, cycle.code)
        found = disclosure.leaks(rows)
        transaction.set_rollback(True)
    assert found == []
