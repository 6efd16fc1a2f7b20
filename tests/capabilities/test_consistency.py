"""Consistency rules as framework data (issue 13): "None of these" cannot be ticked with other
options (refused when saving, with a message naming the option), and a headline answer that does
not go with the maturity phase is a warning on the check-answers and review pages that never
blocks saving."""

import json

import pytest
from django.urls import reverse
from django.utils import timezone

from capabilities import consistency, services, values
from capabilities.models import Answer, AnswerOption, Assessment, Question, Status
from capabilities.reference_data import ReferenceDataError, load_framework

RULES = consistency.parse_rules(
    [
        {"code": "yes_low", "kind": "headline_maturity", "headline": "yes", "phases": [2, 3, 4],
         "message_en": "Yes with phase {phase}", "message_fr": "Oui avec la phase {phase}"},
        {"code": "no_high", "kind": "headline_maturity", "headline": "no", "phases": [1, 2],
         "message_en": "No with phase {phase}", "message_fr": "Non avec la phase {phase}"},
    ]
)  # fmt: skip


@pytest.mark.parametrize(
    ("answer", "phase", "expected"),
    [
        ("yes", "1", ["Yes with phase 1"]),
        ("yes", "2", []),
        ("no", "3", ["No with phase 3"]),
        ("no", "2", []),
        ("dont_know", "4", []),
        ("yes", "", []),  # maturity not answered yet: nothing to say
    ],
)
def test_headline_and_maturity_rules_warn_only_on_answers_that_do_not_go_together(
    answer, phase, expected
):
    found = consistency.check(
        RULES, ["C01"], {"C01.in_place": answer, "C01.maturity": phase}, lang="en"
    )
    assert [f.message for f in found] == expected
    assert all(f.question_codes == ("C01.in_place", "C01.maturity") for f in found)


def test_messages_come_in_the_reader_s_language():
    found = consistency.check(RULES, ["C05"], {"C05.in_place": "no", "C05.maturity": "4"}, "fr")
    assert [f.message for f in found] == ["Non avec la phase 4"]


@pytest.mark.parametrize(
    "bad",
    [
        {"code": "x", "kind": "headline_maturity", "headline": "yes", "phases": [5],
         "message_en": "a", "message_fr": "b"},
        {"code": "x", "kind": "unknown", "headline": "yes", "phases": [1],
         "message_en": "a", "message_fr": "b"},
        {"code": "x", "kind": "headline_maturity", "headline": "yes", "phases": [1],
         "message_en": "a"},
    ],
)  # fmt: skip
def test_a_framework_file_with_an_unusable_rule_is_refused(tmp_path, db, bad):
    path = tmp_path / "framework.json"
    path.write_text(
        json.dumps(
            {"code": "BAD-1", "name_en": "Bad", "name_fr": "Mauvais", "consistency_rules": [bad]}
        ),
        encoding="utf-8",
    )
    with pytest.raises(ReferenceDataError, match="consistency_rules"):
        load_framework(path)


def test_the_mnr_framework_carries_its_rules_and_exclusive_options(reference):
    assert [r.code for r in consistency.parse_rules(reference.consistency_rules)] == [
        "in_place_yes_with_phase_1",
        "in_place_no_with_phase_3_or_4",
    ]
    exclusive = AnswerOption.objects.filter(question__framework=reference, exclusive=True)
    assert exclusive.count() == 10 and {o.code for o in exclusive} == {"none"}
    # years are plain numbers: "1976", never "1976 year"
    year = Question.objects.get(framework=reference, code="C01.strategy_year")
    assert values.display(year, "1976") == "1976"


def test_none_of_these_with_other_options_is_refused_and_nothing_is_saved(
    client, focal_a, assessment_a, questions
):
    treaties = next(q for q in questions if q.code == "C03.treaties")
    with pytest.raises(values.InvalidValue, match="None of these"):
        values.normalise(treaties, ["opsc", "budapest", "none"])
    assert values.normalise(treaties, ["none"]) == "none"
    client.force_login(focal_a)
    response = client.post(
        reverse("capabilities:domain", args=[assessment_a.pk, treaties.capability.domain.code]),
        {f"q{treaties.pk}-value": ["opsc", "budapest", "none"], f"q{treaties.pk}-version": "0"},
    )
    assert response.status_code == 200
    assert "“None of these” cannot be ticked together with other options." in (
        response.content.decode()
    )
    assert not Answer.objects.filter(assessment=assessment_a, question=treaties).exists()


def _answer(assessment, questions, user, **by_code):
    for code, value in by_code.items():
        question = next(q for q in questions if q.code == code.replace("_", ".", 1))
        services.answer_save(
            assessment=assessment, question=question, value=value, user=user, base_version=0
        )


def test_yes_with_phase_1_is_saved_and_shown_on_check_answers_and_to_the_reviewer(
    client, focal_a, analyst, assessment_a, questions
):
    _answer(assessment_a, questions, focal_a, C04_in_place="yes", C04_maturity="1",
            C05_in_place="no", C05_maturity="3", C06_in_place="yes", C06_maturity="3")  # fmt: skip
    assert Answer.objects.filter(assessment=assessment_a).count() == 6  # nothing blocked
    client.force_login(focal_a)
    body = client.get(reverse("capabilities:check_answers", args=[assessment_a.pk])).content
    body = body.decode()
    assert "2 answers to check" in body
    assert "answered as in place (Yes), but its maturity phase is 1" in body
    assert "answered as not in place (No), but its maturity phase is 3" in body
    c04 = next(q for q in questions if q.code == "C04.maturity")
    assert (
        f'href="{reverse("capabilities:domain", args=[assessment_a.pk, "D2"])}#q-C04.maturity"'
        in body
    )
    assert c04.label in body
    Assessment.objects.filter(pk=assessment_a.pk).update(
        status=Status.SUBMITTED, submitted_at=timezone.now()
    )
    client.force_login(analyst)
    body = client.get(reverse("capabilities:review", args=[assessment_a.pk])).content.decode()
    assert "2 answers to check" in body and 'href="#q-C04.maturity"' in body
