"""Writes to answers: one locked service for a page of answers; submitted means frozen.

services.answers_save_page locks the assessment row, refuses unless it is editable, checks one
version per answer, and writes in a fixed number of queries; assessment_submit counts the missing
required answers under the same lock. The thread race runs on PostgreSQL (CI).
"""

from __future__ import annotations

import threading
import time

import pytest
from django.db import close_old_connections, connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from capabilities import services
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
from capabilities.reference_data import load_all
from capabilities.services import Entry


def yes_no(questions: list[Question], n: int) -> list[Question]:
    return [q for q in questions if q.kind == "yes_no"][:n]


def test_a_page_of_answers_is_saved_in_a_fixed_number_of_queries(assessment_a, focal_a, questions):
    page = yes_no(questions, 12)
    with CaptureQueriesContext(connection) as first:
        result = services.answers_save_page(
            assessment=assessment_a,
            user=focal_a,
            entries=[Entry(q, "yes", base_version=0) for q in page],
            source="web",
        )
    # SAVEPOINT, lock, read answers, insert answers, insert history, status change row,
    # assessment update, RELEASE SAVEPOINT (the test runs inside a transaction)
    assert len(first) == 8
    assert len(result.changed) == 12
    with CaptureQueriesContext(connection) as second:
        services.answers_save_page(
            assessment=assessment_a,
            user=focal_a,
            entries=[Entry(q, "no", base_version=1) for q in page],
            source="web",
        )
    # SAVEPOINT, lock, read answers, update answers, insert history, touch the assessment, RELEASE
    assert len(second) == 7
    assert AnswerChange.objects.filter(answer__assessment=assessment_a).count() == 24
    assert set(AnswerChange.objects.values_list("source", flat=True)) == {"web"}
    assessment_a.refresh_from_db()
    assert assessment_a.status == Status.DRAFT
    assert StatusChange.objects.filter(assessment=assessment_a).count() == 1


def test_stale_saves_are_refused_per_answer_and_the_rest_saved(assessment_a, focal_a, questions):
    q1, q2 = yes_no(questions, 2)
    services.answers_save_page(
        assessment=assessment_a,
        user=focal_a,
        entries=[Entry(q1, "yes", base_version=0), Entry(q2, "yes", base_version=0)],
    )
    result = services.answers_save_page(
        assessment=assessment_a,
        user=focal_a,
        entries=[Entry(q1, "no", base_version=0), Entry(q2, "no", base_version=1)],
        source="offline_file",
    )
    assert result.stale[q1.pk].current_value == "yes"
    assert result.changed == [q2.pk]
    got = dict(Answer.objects.filter(assessment=assessment_a).values_list("question_id", "value"))
    assert got == {q1.pk: "yes", q2.pk: "no"}
    change = AnswerChange.objects.get(answer__question=q2, version=2)
    assert (change.old_value, change.new_value, change.source) == ("yes", "no", "offline_file")
    # The same content again writes nothing.
    again = services.answers_save_page(
        assessment=assessment_a, user=focal_a, entries=[Entry(q2, "no", base_version=2)]
    )
    assert again.changed == [] and AnswerChange.objects.count() == 3


def test_submitted_and_validated_assessments_refuse_every_write(assessment_a, focal_a, questions):
    q = yes_no(questions, 1)[0]
    Assessment.objects.filter(pk=assessment_a.pk).update(status=Status.SUBMITTED)
    for source in ("web", "offline_file"):
        with pytest.raises(services.NotEditable):
            services.answers_save_page(
                assessment=assessment_a, user=focal_a, entries=[Entry(q, "yes")], source=source
            )
        with pytest.raises(services.NotEditable):
            services.answer_save(
                assessment=assessment_a, question=q, value="yes", user=focal_a,
                base_version=0, source=source,
            )  # fmt: skip
    assert not Answer.objects.exists() and not AnswerChange.objects.exists()


def test_unknown_source_is_refused(assessment_a, focal_a, questions):
    with pytest.raises(ValueError, match="source"):
        services.answers_save_page(
            assessment=assessment_a, user=focal_a, entries=[], source="carrier pigeon"
        )


def test_submit_counts_missing_required_answers_itself(assessment_a, focal_a, questions):
    services.answer_save(
        assessment=assessment_a, question=questions[0], value="yes", user=focal_a, base_version=0
    )
    with pytest.raises(services.WorkflowError, match="required"):
        services.assessment_submit(assessment=assessment_a, user=focal_a)
    assessment_a.refresh_from_db()
    assert assessment_a.status == Status.DRAFT


def test_autosave_after_submission_is_refused_with_a_message(
    client, monkeypatch, assessment_a, focal_a, questions
):
    q = yes_no(questions, 1)[0]
    client.force_login(focal_a)
    url = reverse("capabilities:answer_save", args=[assessment_a.pk, q.pk])
    # The view's own check passes (draft); the assessment is submitted before the service locks
    # it, as when the focal point submits in another tab at that moment.
    real = services.lock_editable

    def submitted_meanwhile(assessment, **kwargs):
        Assessment.objects.filter(pk=assessment.pk).update(status=Status.SUBMITTED)
        return real(assessment, **kwargs)

    monkeypatch.setattr(services, "lock_editable", submitted_meanwhile)
    response = client.post(url, {f"q{q.pk}-value": "yes", f"q{q.pk}-version": "0"})
    assert response.status_code == 403 and response.json()["status"] == "locked"
    assert "no longer a draft" in response.json()["message"]
    assert not Answer.objects.exists()


@pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="the in-memory SQLite test database cannot run two writers; CI runs this on PostgreSQL",
)
@pytest.mark.django_db(transaction=True)
def test_saves_racing_a_submission_change_nothing_after_it(make_user, country_a):
    load_all()
    cycle = Cycle.objects.create(
        code="race2", name_en="Race", name_fr="Course", framework=FrameworkVersion.objects.get()
    )
    assessment = services.assessment_get_or_create(country=country_a, cycle=cycle)
    required = list(Question.objects.filter(framework=cycle.framework, required=True))
    focal = make_user("racer", "focal_point", country_a)
    services.answers_save_page(
        assessment=assessment,
        user=focal,
        entries=[Entry(q, _valid(q)) for q in required],
    )
    extra = [q for q in Question.objects.filter(framework=cycle.framework, kind="yes_no")][:7]
    stop = time.monotonic() + 3
    errors: list[BaseException] = []
    refused: list[int] = []
    barrier = threading.Barrier(len(extra) + 1)

    def autosave(question):
        try:
            barrier.wait(timeout=10)
            value = "no"
            while time.monotonic() < stop:
                value = "yes" if value == "no" else "no"
                try:
                    services.answer_save(
                        assessment=Assessment.objects.get(pk=assessment.pk),
                        question=question,
                        value=value,
                        user=focal,
                        base_version=None,
                    )
                except services.NotEditable:
                    refused.append(question.pk)
                    return
        except BaseException as exc:
            errors.append(exc)
        finally:
            close_old_connections()

    def submit():
        try:
            barrier.wait(timeout=10)
            time.sleep(0.3)
            services.assessment_submit(
                assessment=Assessment.objects.get(pk=assessment.pk), user=focal
            )
        except BaseException as exc:
            errors.append(exc)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=autosave, args=(q,)) for q in extra]
    threads.append(threading.Thread(target=submit))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert len(refused) == len(extra)  # every saver was stopped by the submission
    submitted = StatusChange.objects.get(assessment=assessment, to_status=Status.SUBMITTED)
    late = AnswerChange.objects.filter(
        answer__assessment=assessment, changed_at__gt=submitted.changed_at
    )
    assert list(late) == []
    assert Assessment.objects.get(pk=assessment.pk).status == Status.SUBMITTED


def _valid(question: Question) -> str:
    from capabilities.values import normalise

    kind = question.kind
    if kind == "yes_no":
        return "yes"
    if kind == "maturity":
        return "2"
    if kind == "number":
        return normalise(question, str(question.min_value or 1))
    if kind in ("single_choice", "multiple_choice"):
        return question.options.first().value
    return "text"


def test_domain_form_after_submission_saves_nothing_and_says_why(
    client, monkeypatch, assessment_a, focal_a, questions
):
    q = next(q for q in questions if q.code == "C01.in_place")
    client.force_login(focal_a)
    url = reverse("capabilities:domain", args=[assessment_a.pk, q.capability.domain.code])
    real = services.lock_editable

    def submitted_meanwhile(assessment, **kwargs):
        Assessment.objects.filter(pk=assessment.pk).update(status=Status.SUBMITTED)
        return real(assessment, **kwargs)

    monkeypatch.setattr(services, "lock_editable", submitted_meanwhile)
    response = client.post(url, {f"q{q.pk}-value": "yes", f"q{q.pk}-version": "0"}, follow=True)
    assert "no longer a draft" in response.content.decode()
    assert not Answer.objects.exists() and not AnswerChange.objects.exists()
