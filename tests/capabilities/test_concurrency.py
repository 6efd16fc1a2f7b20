"""Two people saving the same new answer at the same moment: one wins, the other is told."""

from __future__ import annotations

import threading

import pytest
from django.db import close_old_connections, connection

from capabilities import services
from capabilities.models import Answer, AnswerChange, Question, Status, StatusChange
from capabilities.reference_data import load_all


@pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="the in-memory SQLite test database cannot run two writers; CI runs this on PostgreSQL",
)
@pytest.mark.django_db(transaction=True)
def test_simultaneous_first_saves_keep_one_answer_and_refuse_the_other(make_user, country_a):
    load_all()
    from capabilities.models import Cycle, FrameworkVersion

    cycle = Cycle.objects.create(
        code="race", name_en="Race", name_fr="Course", framework=FrameworkVersion.objects.get()
    )
    assessment = services.assessment_get_or_create(country=country_a, cycle=cycle)
    question = Question.objects.get(code="C01.in_place")
    users = [make_user(f"racer{i}", "focal_point", country_a) for i in range(2)]
    barrier = threading.Barrier(2)
    results: list[services.SaveResult] = []
    errors: list[BaseException] = []

    def save(user, value):
        try:
            barrier.wait(timeout=10)
            results.append(
                services.answer_save(
                    assessment=assessment,
                    question=question,
                    value=value,
                    user=user,
                    base_version=0,
                )
            )
        except BaseException as exc:  # collected for the assertion below
            errors.append(exc)
        finally:
            close_old_connections()

    threads = [
        threading.Thread(target=save, args=(users[0], "yes")),
        threading.Thread(target=save, args=(users[1], "no")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    saved = [r for r in results if r.changed]
    refused = [r for r in results if r.stale is not None]
    assert len(saved) == 1 and len(refused) == 1
    answer = Answer.objects.get(assessment=assessment, question=question)
    assert answer.value == saved[0].answer.value
    assert refused[0].stale.current_value == answer.value
    assert AnswerChange.objects.filter(answer=answer).count() == 1
    assert StatusChange.objects.filter(assessment=assessment, to_status=Status.DRAFT).count() == 1
