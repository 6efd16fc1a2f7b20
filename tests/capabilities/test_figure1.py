"""The 2021 review reproduced: Figure 1 and the review's published text facts, from the
illustrative baseline imported with the real command (fixtures/baseline/mnr_2021_baseline.csv)."""

import csv
import io

import pytest
from django.core.management import call_command
from django.db import transaction

from capabilities.aggregates import capability_matrix, question_breakdown
from capabilities.models import Cycle
from capabilities.reference_data import BASELINE_CSV, FIGURE1_CSV
from tests.factories import ensure_reference_data

BASELINE = BASELINE_CSV
FIGURE1 = FIGURE1_CSV


@pytest.fixture(scope="module")
def _imported_baseline(django_db_setup, django_db_blocker):
    """The baseline imported once for this module (the tests only read it), inside a transaction
    rolled back when the module ends; each test's own transaction is a savepoint inside it."""
    with django_db_blocker.unblock():
        ensure_reference_data()  # a transactional test on this worker may have flushed it
    with django_db_blocker.unblock(), transaction.atomic():
        call_command(
            "import_responses",
            str(BASELINE),
            cycle="baseline-2021",
            create_participants=True,
            illustrative=True,
            stdout=io.StringIO(),
        )
        yield
        transaction.set_rollback(True)


@pytest.fixture
def baseline(_imported_baseline, reference) -> Cycle:
    return Cycle.objects.get(code="baseline-2021")


def matrix_csv(*args: str) -> list[dict[str, str]]:
    out = io.StringIO()
    call_command("capability_matrix", "--cycle", "baseline-2021", *args, stdout=out)
    return list(csv.DictReader(io.StringIO(out.getvalue())))


def test_the_baseline_and_figure_1_are_part_of_the_project():
    assert BASELINE.is_file() and FIGURE1.is_file()


def test_capability_matrix_reproduces_every_row_of_figure_1(baseline):
    rows = matrix_csv()
    # the documented column scheme (docs/scoring.md, "The matrix table"; the command printed
    # capability, label, group, yes, no, no_answer, answered, yes_pct, suppressed before)
    assert list(rows[0].keys()) == [
        "cycle", "breakdown", "group", "group_label", "domain", "domain_label", "capability",
        "capability_label", "population", "answered", "yes", "no", "no_answer", "yes_pct",
        "suppressed", "reason",
    ]  # fmt: skip
    expected = list(csv.DictReader(FIGURE1.open(encoding="utf-8")))
    assert len(expected) == 18
    got = {r["capability"]: r for r in rows}
    assert set(got) == {e["capability"] for e in expected}  # C03, C17, C19 were not charted
    for e in expected:
        r = got[e["capability"]]
        assert (r["yes"], r["answered"], r["yes_pct"]) == (e["yes"], e["answered"], e["yes_pct"]), e
        assert r["group"] == "" and r["suppressed"] == "false"
        assert int(r["yes"]) + int(r["no"]) == int(r["answered"])
        assert int(r["answered"]) + int(r["no_answer"]) == 42


def test_imported_baseline_cycle_is_illustrative_and_named_in_both_languages(baseline):
    assert baseline.is_illustrative
    assert baseline.name_en == "2021 review (illustrative reconstruction)"
    assert baseline.name_fr == "Examen 2021 (reconstitution illustrative)"


def test_breakdown_by_income_group_hides_the_single_low_income_respondent(baseline):
    rows = matrix_csv("--by", "income_group")
    low = [r for r in rows if r["group"] == "low"]
    assert low and all(r["suppressed"] == "true" and r["yes"] == "" for r in low)
    assert {r["answered"] for r in low} <= {"0", "1"}
    # and it cannot be derived by subtraction: some other group is hidden as well
    for cap in {r["capability"] for r in low if r["answered"] == "1"}:
        hidden = [r for r in rows if r["capability"] == cap and r["suppressed"] == "true"]
        assert len(hidden) >= 2


def test_review_facts_on_strategy_image_database_and_mnr_reference(baseline):
    strategy = question_breakdown(baseline, "C01.strategy").overall
    assert (strategy.yes, strategy.answered) == (27, 42)
    national_db = question_breakdown(baseline, "C07.national_db").overall
    assert (national_db.yes, national_db.answered) == (14, 42)
    mnr = question_breakdown(baseline, "C01.mnr_reference").overall
    assert (mnr.yes, mnr.answered) == (35, 39)


def test_review_facts_on_the_law_by_income_group_and_survey(baseline):
    criminalised = question_breakdown(baseline, "C03.criminalised", by="income_group")
    high = criminalised.group("high")
    assert (high.yes, high.answered, high.population) == (15, 15, 15)
    assert criminalised.overall.answered == 15  # asked of high-income respondents only
    isp = question_breakdown(baseline, "C03.isp_reporting", by="income_group").group("high")
    assert (isp.yes, isp.answered) == (8, 15)
    adequate = question_breakdown(baseline, "C03.laws_adequate", by="survey")
    unicef = adequate.group("unicef")
    assert (unicef.no, unicef.answered) == (22, 25)
    by_income = question_breakdown(baseline, "C03.laws_adequate", by="income_group")
    assert by_income.group("high").answered == 0  # all 25 are low or middle income


def test_review_facts_on_offender_management_icse_and_offender_support(baseline):
    overall = capability_matrix(baseline)
    by_income = capability_matrix(baseline, by="income_group")
    # 12 without offender management, none of them high income
    assert overall.cell("C06").no == 12
    assert by_income.cell("C06", "high").no == 0
    # 13 not connected to ICSE, 12 of them low or middle income
    assert overall.cell("C07").no == 13
    assert by_income.cell("C07", "high").no == 1
    # 17 without offender support systems, all low or middle income
    assert overall.cell("C15").no == 17
    assert by_income.cell("C15", "high").no == 0
    # and every high-income respondent has offender management in place
    assert by_income.cell("C06", "high").yes == by_income.population("high") == 15
