"""The language rule and the report labels (capabilities.labels), and the callers that use them."""

from __future__ import annotations

import pytest
from django.utils import translation

from capabilities import labels
from capabilities.consistency import Rule
from capabilities.models import Capability
from capabilities.scoring import CapabilityRef, CountryProfile

REF = CapabilityRef("C01", "Leadership", "Leadership (FR)", "D1", "Policy", "Politique")
NO_FRENCH = CapabilityRef("C02", "Research", "", "D1", "Policy", "")


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("fr", "fr"),
        ("fr-CA", "fr"),
        ("fr-ca", "fr"),
        ("fr_BE", "fr"),
        ("FR", "fr"),
        ("en", "en"),
        ("en-GB", "en"),
        ("de", "en"),
        ("frisian", "en"),
        ("", "en"),
        (None, "en"),
    ],
)
def test_language_maps_any_french_code_to_french_and_everything_else_to_english(code, expected):
    assert labels.language(code) == expected


def test_pick_gives_french_when_asked_and_english_when_french_is_missing_or_unknown_language():
    assert labels.pick("Yes", "Oui", "fr") == "Oui"
    assert labels.pick("Yes", "Oui", "fr-CA") == "Oui"
    assert labels.pick("Yes", "", "fr") == "Yes"  # French missing → English
    assert labels.pick("Yes", "Oui", "de") == "Yes"  # unknown language → English
    assert labels.pick("Yes", "Oui", "en") == "Yes"


def test_pick_without_a_language_follows_the_active_one():
    with translation.override("fr-ca"):
        assert labels.active_language() == "fr"
        assert labels.pick("Yes", "Oui") == "Oui"
    with translation.override("de"):
        assert labels.active_language() == "en"
        assert labels.pick("Yes", "Oui") == "Yes"


def test_dataclass_and_rule_labels_use_the_same_fallback():
    assert REF.label("fr") == "Leadership (FR)" and REF.domain_label("fr-CA") == "Politique"
    assert NO_FRENCH.label("fr") == "Research" and NO_FRENCH.domain_label("fr") == "Policy"
    assert REF.label("de") == "Leadership"
    profile = CountryProfile("GHA", "c", (), (), (), "p", "Previous", "")
    assert profile.previous_cycle_label("fr") == "Previous"
    rule = Rule("r", "maturity", "C01.in_place", frozenset({1}), "Phase {phase}", "")
    assert rule.message("fr", phase=1) == "Phase 1"


@pytest.mark.django_db
def test_model_tr_delegates_to_the_language_rule(framework):
    capability = Capability.objects.filter(framework=framework).order_by("code").first()
    assert capability.tr("name", "fr") == capability.name_fr != capability.name_en
    assert capability.tr("name", "fr-CA") == capability.name_fr
    assert capability.tr("name", "es") == capability.name_en
    capability.name_fr = ""
    assert capability.tr("name", "fr") == capability.name_en
    with translation.override("fr"):
        assert capability.name == capability.name_en  # the property, through tr


def test_report_labels_are_translated_in_the_active_language():
    with translation.override("fr"):
        assert labels.status_label("yes") == "En place"
        assert labels.answer_label("yes") == "Oui"
        assert labels.group_label("income_group", "") == "Tous les pays"
    assert labels.status_label("no") == "Not in place"
    assert labels.status_label(None) == "Not assessed"
    assert labels.status_label("") == "No answer"
    assert labels.answer_label("dont_know") == "Don't know"
    assert labels.group_label("income_group", "high") == "High income"
    assert labels.group_label("survey", "unicef") == "UNICEF survey"
    assert labels.by_label("region") == "Region"
