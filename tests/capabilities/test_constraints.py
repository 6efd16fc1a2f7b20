"""The database itself rejects data that would break the product's invariants."""

import pytest
from django.db import IntegrityError, transaction

from capabilities.models import Answer, Assessment, Profile, Question


def test_a_second_assessment_for_the_same_country_and_cycle_is_rejected(assessment_a):
    with pytest.raises(IntegrityError), transaction.atomic():
        Assessment.objects.create(country=assessment_a.country, cycle=assessment_a.cycle)


def test_a_second_answer_to_the_same_question_is_rejected(assessment_a, framework):
    question = Question.objects.get(framework=framework, code="C01.in_place")
    Answer.objects.create(assessment=assessment_a, question=question, value="yes")
    with pytest.raises(IntegrityError), transaction.atomic():
        Answer.objects.create(assessment=assessment_a, question=question, value="no")


def test_a_second_headline_question_for_a_capability_is_rejected(framework):
    existing = Question.objects.get(framework=framework, code="C01.in_place")
    with pytest.raises(IntegrityError), transaction.atomic():
        Question.objects.create(
            framework=framework,
            capability=existing.capability,
            code="C01.other_headline",
            kind="yes_no",
            is_headline=True,
            text_en="x",
            text_fr="y",
        )


def test_a_focal_point_without_a_country_is_rejected(make_user):
    user = make_user("lonely")
    with pytest.raises(IntegrityError), transaction.atomic():
        Profile.objects.filter(user=user).update(role="focal_point")
