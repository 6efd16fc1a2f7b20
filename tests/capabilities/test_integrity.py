"""Integrity under attack (issue 10): the framework of a cycle with answers cannot change, the
author of every change survives, review forms keep what was typed, and an export imported back
changes nothing (and never touches a live assessment)."""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import ProtectedError
from django.urls import reverse

from capabilities import services
from capabilities.importer import ImportRefused, import_responses
from capabilities.models import (
    Answer,
    AnswerChange,
    Assessment,
    Cycle,
    FrameworkVersion,
    Question,
    Status,
    StatusChange,
)

PARTICIPATION_FORMS = {
    "participations-TOTAL_FORMS": "0",
    "participations-INITIAL_FORMS": "0",
    "participations-MIN_NUM_FORMS": "0",
    "participations-MAX_NUM_FORMS": "1000",
}


@pytest.fixture
def other_framework(reference) -> FrameworkVersion:
    return FrameworkVersion.objects.create(code="other", name_en="Other", name_fr="Autre")


def answer(assessment, code: str, value: str, user) -> Answer:
    question = Question.objects.get(framework=assessment.cycle.framework, code=code)
    return services.answer_save(
        assessment=assessment, question=question, value=value, user=user, base_version=None
    ).answer


# --- Framework guard --------------------------------------------------------------------------


def test_framework_of_a_cycle_with_answers_cannot_change_in_code(
    cycle, assessment_a, focal_a, other_framework
):
    cycle.framework = other_framework
    cycle.save()  # no answers yet: allowed
    cycle.framework = FrameworkVersion.objects.get(code="MNR-2016")
    cycle.save()
    assessment_a.refresh_from_db()
    answer(assessment_a, "C01.in_place", "yes", focal_a)
    cycle.refresh_from_db()
    cycle.framework = other_framework
    with pytest.raises(ValidationError, match="framework version cannot change"):
        cycle.save()
    with pytest.raises(ValidationError):
        cycle.full_clean()
    assert Cycle.objects.get(pk=cycle.pk).framework.code == "MNR-2016"


def test_framework_of_a_cycle_with_answers_cannot_change_in_the_admin(
    client, admin_user, cycle, assessment_a, focal_a, other_framework
):
    answer(assessment_a, "C01.in_place", "yes", focal_a)
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:capabilities_cycle_change", args=[cycle.pk]),
        {
            "code": cycle.code,
            "name_en": cycle.name_en,
            "name_fr": cycle.name_fr,
            "framework": other_framework.pk,
            **PARTICIPATION_FORMS,
        },
    )
    assert response.status_code == 200
    assert "framework version cannot change" in response.content.decode()
    assert Cycle.objects.get(pk=cycle.pk).framework.code == "MNR-2016"


# --- Authorship -------------------------------------------------------------------------------


def test_a_user_with_history_cannot_be_deleted_only_deactivated(
    client, admin_user, make_user, assessment_a, country_a
):
    author = make_user("author", "focal_point", country_a)
    answer(assessment_a, "C01.in_place", "yes", author)
    with pytest.raises(ProtectedError):
        author.delete()
    client.force_login(admin_user)
    response = client.post(reverse("admin:auth_user_delete", args=[author.pk]), {"post": "yes"})
    assert get_user_model().objects.filter(pk=author.pk).exists()
    assert response.status_code in (200, 403)
    author.is_active = False
    author.save()
    change = AnswerChange.objects.get(answer__assessment=assessment_a)
    status = StatusChange.objects.get(assessment=assessment_a)
    assert change.changed_by.get_full_name() == "Author" and status.changed_by == author


# --- Review forms -----------------------------------------------------------------------------


@pytest.fixture
def submitted_a(assessment_a, focal_a):
    Assessment.objects.filter(pk=assessment_a.pk).update(status=Status.SUBMITTED)
    assessment_a.refresh_from_db()
    return assessment_a


def test_review_forms_have_distinct_ids(client, analyst, submitted_a):
    client.force_login(analyst)
    html = client.get(reverse("capabilities:review", args=[submitted_a.pk])).content.decode()
    assert html.count('id="id_return_reason"') == 1
    assert html.count('id="id_validate_reason"') == 1
    assert 'id="id_reason"' not in html


def test_validation_note_is_kept(client, analyst, submitted_a):
    client.force_login(analyst)
    client.post(reverse("capabilities:validate", args=[submitted_a.pk]), {"reason": "Well done."})
    change = StatusChange.objects.get(assessment=submitted_a, to_status=Status.VALIDATED)
    assert change.reason == "Well done."


def test_an_over_long_validation_note_is_refused_with_a_message(client, analyst, submitted_a):
    client.force_login(analyst)
    note = "x" * 5001
    response = client.post(
        reverse("capabilities:validate", args=[submitted_a.pk]), {"reason": note}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "5000" in html.replace("\u202f", "").replace(",", "").replace(" ", "")
    assert note in html  # what was typed is kept
    submitted_a.refresh_from_db()
    assert submitted_a.status == Status.SUBMITTED


def test_an_over_long_return_reason_is_refused_with_a_message(client, analyst, submitted_a):
    client.force_login(analyst)
    note = "y" * 5001
    response = client.post(reverse("capabilities:return", args=[submitted_a.pk]), {"reason": note})
    assert response.status_code == 400 and note in response.content.decode()
    submitted_a.refresh_from_db()
    assert submitted_a.status == Status.SUBMITTED


# --- Export → import round trip ---------------------------------------------------------------

TRICKY = [("=1+1", "@home", "-minus"), ("+33 1 23", "'quoted", '=HYPERLINK("x")')]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("tricky", TRICKY)
def test_export_then_import_changes_nothing(
    client, analyst, cycle, assessment_a, focal_a, fmt, tricky
):
    texts = list(
        Question.objects.filter(framework=cycle.framework, kind="text").order_by("code")[
            : len(tricky)
        ]
    )
    assert len(texts) == len(tricky)
    for question, value in zip(texts, tricky, strict=True):
        services.answer_save(
            assessment=assessment_a, question=question, value=value, user=focal_a, base_version=0
        )
    answer(assessment_a, "C01.in_place", "yes", focal_a)
    Assessment.objects.filter(pk=assessment_a.pk).update(status=Status.SUBMITTED)
    services.assessment_validate(assessment=assessment_a, user=analyst)
    before = dict(
        Answer.objects.filter(assessment=assessment_a).values_list("question__code", "value")
    )
    client.force_login(analyst)
    url = reverse("reports:country_answers", args=[cycle.code, "GHA", "wide", fmt])
    response = client.get(url)
    data = b"".join(response.streaming_content) if response.streaming else response.content
    report = import_responses(data=data, file_name=f"export.{fmt}", cycle_code=cycle.code)
    assert report.changes == 0, report.lines()
    after = dict(
        Answer.objects.filter(assessment=assessment_a).values_list("question__code", "value")
    )
    assert after == before
    assert [after[q.code] for q in texts] == list(tricky)


@pytest.mark.parametrize("status", [Status.DRAFT, Status.SUBMITTED])
def test_an_import_never_changes_a_live_assessment(cycle, assessment_a, focal_a, status):
    answer(assessment_a, "C01.in_place", "no", focal_a)
    Assessment.objects.filter(pk=assessment_a.pk).update(status=status)
    text = "respondent,C01.in_place\nGHA,yes\n"
    with pytest.raises(ImportRefused) as refused:
        import_responses(data=text.encode(), file_name="x.csv", cycle_code=cycle.code)
    assert "GHA" in str(refused.value.report.problems[0])
    assessment_a.refresh_from_db()
    assert assessment_a.status == status
    assert Answer.objects.get(assessment=assessment_a).value == "no"


def test_an_import_into_a_not_started_assessment_validates_it_with_a_status_change(
    cycle, assessment_a
):
    text = "respondent,C01.in_place\nGHA,yes\n"
    import_responses(data=text.encode(), file_name="x.csv", cycle_code=cycle.code)
    assessment_a.refresh_from_db()
    assert assessment_a.status == Status.VALIDATED
    change = StatusChange.objects.get(assessment=assessment_a)
    assert change.reason == "Imported from x.csv"
    assert AnswerChange.objects.get(answer__assessment=assessment_a).source == "import"


def test_csv_rows_keep_their_formula_text_after_import(cycle, assessment_a):
    question = Question.objects.filter(framework=cycle.framework, kind="text").first()
    out = io.StringIO()
    csv.writer(out).writerows([["respondent", question.code], ["GHA", "'=SUM(A1)"]])
    import_responses(data=out.getvalue().encode(), file_name="x.csv", cycle_code=cycle.code)
    assert Answer.objects.get(assessment=assessment_a, question=question).value == "=SUM(A1)"
