"""The framework, countries and reference cycles load completely and idempotently."""

import json
from collections import Counter

import pytest
from django.core.management import call_command

from capabilities.models import (
    Capability,
    Country,
    CountryKind,
    Cycle,
    Domain,
    FrameworkVersion,
    Participation,
    Question,
    QuestionKind,
)
from capabilities.reference_data import FRAMEWORKS_DIR, load_all

EXPECTED_DOMAINS = {
    "D1": ["C01", "C02", "C03"],
    "D2": ["C04", "C05", "C06", "C07"],
    "D3": ["C08", "C09", "C10", "C11"],
    "D4": ["C12", "C13", "C14", "C15"],
    "D5": ["C16", "C17", "C18", "C19"],
    "D6": ["C20", "C21"],
}
BASELINE_CODES = [
    "C01.strategy",
    "C07.national_db",
    "C03.criminalised",
    "C03.isp_reporting",
    "C03.laws_adequate",
    "C01.mnr_reference",
]


def test_every_framework_fixture_is_valid_json_with_a_code():
    files = sorted(FRAMEWORKS_DIR.glob("*.json"))
    assert files, "no framework fixture in fixtures/frameworks"
    for path in files:
        assert json.loads(path.read_text(encoding="utf-8"))["code"]


@pytest.fixture
def empty_db(db):
    """No reference data (the session loads it once; this test's transaction removes it)."""
    Participation.objects.all().delete()
    Cycle.objects.all().delete()
    Country.objects.all().delete()
    FrameworkVersion.objects.all().delete()
    assert not Question.objects.exists()


def test_load_reference_data_twice_changes_nothing_the_second_time(empty_db, capsys):
    call_command("load_reference_data")
    first = capsys.readouterr().out
    assert "created" in first
    counts = [m.objects.count() for m in (Question, Capability, Country, Participation)]
    call_command("load_reference_data")
    assert "nothing changed" in capsys.readouterr().out
    assert [m.objects.count() for m in (Question, Capability, Country, Participation)] == counts
    assert load_all().changes == 0


def test_questionnaire_has_21_capabilities_under_the_right_6_domains(reference):
    domains = {
        d.code: [c.code for c in d.capabilities.order_by("code")]
        for d in Domain.objects.filter(framework=reference)
    }
    assert domains == EXPECTED_DOMAINS


def test_each_capability_has_exactly_one_in_place_question_and_one_maturity_question(reference):
    for capability in Capability.objects.filter(framework=reference).prefetch_related("questions"):
        kinds = Counter(q.kind for q in capability.questions.all())
        headline = [q for q in capability.questions.all() if q.is_headline]
        assert [q.code for q in headline] == [f"{capability.code}.in_place"], capability.code
        assert headline[0].kind == QuestionKind.YES_NO
        assert kinds[QuestionKind.MATURITY] == 1, capability.code
        specific = len(capability.questions.all()) - 2
        assert 2 <= specific <= 4, f"{capability.code} has {specific} specific questions"
        assert capability.phases.count() == 4


def test_every_question_has_english_and_french_text_and_help(reference):
    for q in Question.objects.filter(framework=reference).prefetch_related("options"):
        assert q.text_en.strip() and q.text_fr.strip(), q.code
        assert q.help_en.strip() and q.help_fr.strip(), q.code
        assert q.text_en != q.text_fr, q.code
        if q.has_options:
            assert q.options.count() >= 2, q.code
            for option in q.options.all():
                assert option.label_en.strip() and option.label_fr.strip()
        else:
            assert not q.options.exists(), q.code


def test_capability_and_domain_names_are_bilingual(reference):
    assert Capability.objects.get(framework=reference, code="C11").name_fr == (
        "Assistance téléphonique pour les enfants"
    )
    assert Domain.objects.get(framework=reference, code="D2").name_fr == "Justice pénale"
    for capability in Capability.objects.filter(framework=reference):
        assert (
            capability.name_en
            and capability.name_fr
            and capability.in_place_en
            and capability.in_place_fr
        )


@pytest.mark.parametrize("code", BASELINE_CODES)
def test_questionnaire_contains_the_codes_of_the_2021_baseline(reference, code):
    assert Question.objects.get(framework=reference, code=code).kind == QuestionKind.YES_NO


def test_countries_are_the_193_un_member_states_plus_england_and_wales(reference):
    assert Country.objects.filter(kind=CountryKind.STATE).count() == 193
    ew = Country.objects.get(code="GB-EAW")
    assert (ew.name_en, ew.name_fr, ew.kind) == (
        "England and Wales",
        "Angleterre et pays de Galles",
        CountryKind.JURISDICTION,
    )
    france = Country.objects.get(code="FRA")
    assert france.name_fr == "France"
    assert Country.objects.get(code="DEU").name_fr == "Allemagne"
    assert not Country.objects.filter(code__in=["TWN", "PSE", "VAT", "HKG"]).exists()


def test_2021_review_cycle_holds_42_countries_with_their_income_groups(reference):
    cycle = Cycle.objects.get(code="review-2021")
    groups = Counter(cycle.participations.values_list("income_group", flat=True))
    assert groups == {"high": 15, "upper_middle": 16, "lower_middle": 10, "low": 1}
    high = set(
        cycle.participations.filter(income_group="high").values_list("country__code", flat=True)
    )
    assert high == {
        "AUS",
        "BEL",
        "CAN",
        "FIN",
        "GRC",
        "ITA",
        "JPN",
        "KOR",
        "MLT",
        "NLD",
        "NZL",
        "SWE",
        "ARE",
        "USA",
        "GB-EAW",
    }
    assert cycle.participations.get(country__code="RWA").income_group == "low"
