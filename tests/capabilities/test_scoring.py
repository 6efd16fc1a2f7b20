"""The matrix arithmetic, without a database: shares, rounding, missing answers, suppression."""

from decimal import Decimal

import pytest

from capabilities.aggregates import build_matrix  # the group threshold from settings
from capabilities.scoring import (
    REASON_COMPLEMENTARY,
    REASON_NO_ANSWERS,
    REASON_SMALL_CELL,
    CapabilityRef,
    CapabilityStatus,
    Counts,
    changes_since,
    counts_from_rows,
    domain_maturity,
    maturity_summary,
    median_phase,
    phases_from_rows,
    round_half_up_pct,
    score_cell,
    suppress_complementary,
)

C01 = CapabilityRef("C01", "Leadership", "Direction", "D1", "Policy", "Politique", 1, 1)
C02 = CapabilityRef("C02", "Research", "Recherche", "D1", "Policy", "Politique", 2, 1)
C04 = CapabilityRef("C04", "Law enforcement", "Police", "D2", "Justice", "Justice", 4, 2)


def test_share_rounds_half_up_not_to_even():
    assert round_half_up_pct(1, 8) == 13  # 12.5
    assert round_half_up_pct(5, 8) == 63  # 62.5
    assert round_half_up_pct(1, 40) == 3  # 2.5 (banker's rounding would give 2)
    assert round_half_up_pct(32, 42) == 76
    assert round_half_up_pct(0, 0) is None


def test_dont_know_and_missing_answers_stay_out_of_the_denominator():
    cell = score_cell("C01", "", Counts(population=10, yes=3, no=3, dont_know=2), None)
    assert (cell.yes, cell.no, cell.answered, cell.no_answer) == (3, 3, 6, 4)
    assert cell.yes_pct == 50  # not 3 of 10
    assert cell.no_pct == 50


def test_an_all_missing_capability_has_no_share_and_says_why():
    cell = score_cell("C03", "", Counts(population=42), None)
    assert cell.answered == 0
    assert cell.no_answer == 42
    assert cell.yes_pct is None
    assert cell.reason == REASON_NO_ANSWERS


def test_all_dont_know_is_like_no_answer():
    cell = score_cell("C03", "", Counts(population=5, dont_know=5), None)
    assert (cell.answered, cell.no_answer, cell.yes_pct) == (0, 5, None)


def test_a_cell_with_k_minus_one_answers_is_suppressed_and_k_is_shown():
    below = score_cell("C01", "low", Counts(population=9, yes=4, no=0, dont_know=5), 5)
    assert below.suppressed
    assert (below.yes, below.no, below.yes_pct) == (None, None, None)
    assert below.reason == REASON_SMALL_CELL
    assert below.answered == 4
    at = score_cell("C01", "low", Counts(population=9, yes=4, no=1), 5)
    assert not at.suppressed
    assert (at.yes, at.no, at.yes_pct) == (4, 1, 80)


def test_counts_cannot_exceed_the_population():
    with pytest.raises(ValueError):
        Counts(population=2, yes=2, no=1)


def test_one_hidden_group_hides_the_smallest_visible_group_too():
    cells = [
        score_cell("C01", "high", Counts(population=15, yes=15), 5),
        score_cell("C01", "lower_middle", Counts(population=10, yes=6, no=4), 5),
        score_cell("C01", "low", Counts(population=1, yes=1), 5),
    ]
    out = suppress_complementary(cells)
    assert [c.suppressed for c in out] == [False, True, True]
    assert out[1].reason == REASON_COMPLEMENTARY
    assert out[1].yes is None


def test_two_hidden_groups_need_no_complementary_suppression():
    cells = [
        score_cell("C01", "high", Counts(population=15, yes=15), 5),
        score_cell("C01", "lower_middle", Counts(population=3, yes=2, no=1), 5),
        score_cell("C01", "low", Counts(population=1, yes=1), 5),
    ]
    assert [c.suppressed for c in suppress_complementary(cells)] == [False, True, True]


def test_build_matrix_without_breakdown_keeps_exact_counts_and_lists_answered_rows():
    counts = counts_from_rows(
        [("C01", "high", "yes", 3), ("C01", "low", "no", 1), ("C01", "low", "dont_know", 1)]
    )
    matrix = build_matrix(
        cycle_code="x", capabilities=[C01, C02], counts=counts, populations={"": 6}
    )
    cell = matrix.cell("C01")
    assert (cell.yes, cell.no, cell.no_answer, cell.answered, cell.yes_pct) == (3, 1, 2, 4, 75)
    assert [c.code for c in matrix.answered_capabilities()] == ["C01"]
    assert matrix.cell("C02").no_answer == 6


def test_build_matrix_by_group_always_suppresses_small_groups():
    rows = [("C01", "high", "yes", 5), ("C01", "high", "no", 1), ("C01", "low", "yes", 2)]
    matrix = build_matrix(
        cycle_code="x",
        capabilities=[C01],
        counts=counts_from_rows(rows, by="income_group"),
        populations={"": 9, "high": 6, "low": 3},
        by="income_group",
        min_cell=5,
        group_order=["high", "upper_middle", "lower_middle", "low"],
    )
    assert matrix.groups == ("", "high", "low")
    assert matrix.cell("C01", "low").suppressed  # 2 answers < 5
    assert matrix.cell("C01", "low").reason == REASON_SMALL_CELL
    # "high" is hidden too, or "low" would be the total (shown) minus "high"
    assert matrix.cell("C01", "high").reason == REASON_COMPLEMENTARY
    assert matrix.cell("C01", "").yes == 7


def test_build_matrix_with_enough_countries_in_every_group_shows_every_group():
    rows = [("C01", "high", "yes", 5), ("C01", "high", "no", 1), ("C01", "low", "yes", 5)]
    matrix = build_matrix(
        cycle_code="x",
        capabilities=[C01],
        counts=counts_from_rows(rows, by="income_group"),
        populations={"": 12, "high": 6, "low": 6},
        by="income_group",
        min_cell=5,
    )
    assert matrix.cell("C01", "high").yes_pct == 83
    assert matrix.cell("C01", "low").yes_pct == 100
    assert matrix.cell("C01", "low").no_answer == 1


def test_maturity_distribution_and_median():
    assert median_phase((1, 1, 1, 0)) == Decimal("2")
    assert median_phase((1, 0, 1, 0)) == Decimal("2")  # phases 1 and 3
    assert median_phase((0, 1, 1, 0)) == Decimal("2.5")
    assert median_phase((0, 0, 0, 0)) is None
    summary = maturity_summary("C01", "", (0, 2, 3, 1), None)
    assert summary.answered == 6 and summary.median == Decimal("3")
    assert maturity_summary("C01", "low", (0, 1, 1, 0), 5).suppressed
    assert phases_from_rows([("C01", "", "2", 3), ("C01", "", "4", 1), ("C01", "", "x", 9)])[
        ("C01", "")
    ] == (0, 3, 0, 1)


def test_domain_maturity_averages_answered_phases_only():
    statuses = [CapabilityStatus("C01", "yes", 2), CapabilityStatus("C02", "no", 3)]
    d1, d2 = domain_maturity([C01, C02, C04], statuses)
    assert (d1.domain_code, d1.mean, d1.answered) == ("D1", Decimal("2.5"), 2)
    assert (d2.domain_code, d2.mean, d2.answered) == ("D2", None, 0)


def test_change_since_previous_cycle_compares_by_capability_code():
    now = [
        CapabilityStatus("C01", "yes", 3),
        CapabilityStatus("C02", "no"),
        CapabilityStatus("C04", "yes"),
    ]
    before = [CapabilityStatus("C01", "no", 1), CapabilityStatus("C02", "yes")]
    c01, c02, c04 = changes_since(now, before)
    assert (c01.kind, c01.maturity_delta) == ("gained", 2)
    assert c02.kind == "lost"
    assert c04.kind == "new"
