"""Test data built in bulk: answers with their history, as ``services.answer_save`` writes them.

``services.answer_save`` costs about eight queries per answer (lock, read, insert, history, status);
a filled assessment of 108 answers cost about 866 queries. ``answers_create`` writes the same rows
(one ``Answer`` at version 1 and one ``AnswerChange`` per answer, "not started → draft" recorded
once) in four or five queries whatever the number of answers. Use it to build data that a test
reads; use ``services.answer_save`` itself in tests of saving.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Mapping

from django.utils import timezone

from capabilities import services
from capabilities.demo import demo_value
from capabilities.models import (
    Answer,
    AnswerChange,
    Assessment,
    FrameworkVersion,
    Question,
    Status,
    StatusChange,
)
from capabilities.reference_data import load_all

Value = str | Callable[[Question], str]


def answers_create(
    assessment: Assessment,
    questions: Iterable[Question],
    user: object | None,
    *,
    value: Value | None = None,
    values: Mapping[str, str] | None = None,
    comments: Mapping[str, str] | None = None,
    evidence: Callable[[Question], list[str]] | None = None,
    seed: str = "seed",
    source: str = "web",
) -> list[Answer]:
    """First answers (version 1) to ``questions`` of a not-yet-answered ``assessment``.

    The value of each question is ``values[code]`` if given, else ``value`` (text or function of
    the question), else the demo value drawn with ``random.Random(seed)`` in question order (the
    same values as ``services.answer_save`` with ``capabilities.demo.demo_value``). Empty answers
    (no value, comment or evidence) are skipped, as ``answer_save`` skips them.
    """
    rng = random.Random(seed)
    values = values or {}
    comments = comments or {}
    rows: list[Answer] = []
    for question in questions:
        if question.code in values:
            text = values[question.code]
        elif callable(value):
            text = value(question)
        elif value is not None:
            text = value
        else:
            text = demo_value(question, rng)
        links = evidence(question) if evidence else []
        comment = comments.get(question.code, "")
        if text == "" and comment == "" and not links:
            continue
        rows.append(
            Answer(
                assessment=assessment,
                question=question,
                value=text,
                comment=comment,
                evidence=links,
                version=1,
                updated_by=user,
            )
        )
    if not rows:
        return []
    created = Answer.objects.bulk_create(rows)
    if any(a.pk is None for a in created):  # backends that return no ids from a bulk insert
        by_question = dict(
            Answer.objects.filter(assessment=assessment).values_list("question_id", "pk")
        )
        for answer in created:
            answer.pk = by_question[answer.question_id]
    AnswerChange.objects.bulk_create(
        AnswerChange(
            answer=a,
            version=1,
            old_value="",
            new_value=a.value,
            old_comment="",
            new_comment=a.comment,
            old_evidence=[],
            new_evidence=a.evidence,
            changed_by=user,
            source=source,
        )
        for a in created
    )
    if assessment.status == Status.NOT_STARTED:
        StatusChange.objects.create(
            assessment=assessment,
            from_status=Status.NOT_STARTED,
            to_status=Status.DRAFT,
            reason="",
            changed_by=user,
        )
        assessment.status = Status.DRAFT
        assessment.save(update_fields=["status", "updated_at"])
    else:
        Assessment.objects.filter(pk=assessment.pk).update(updated_at=timezone.now())
    return created


def fill(
    assessment: Assessment,
    questions: list[Question],
    user: object,
    *,
    seed: str = "seed",
    comments: Mapping[str, str] | None = None,
    submit: bool = True,
) -> None:
    """Answers every question (demo values), with ``comments`` and an evidence link on each
    headline question, and submits (through the real service) unless ``submit`` is false."""
    answers_create(
        assessment,
        questions,
        user,
        seed=seed,
        comments=comments,
        evidence=lambda q: [f"https://example.org/{q.code}"] if q.is_headline else [],
    )
    if submit:
        services.assessment_submit(assessment=assessment, user=user)


def ensure_reference_data() -> None:
    """Loads the reference data (framework, countries, reference cycles) when it is missing:
    a test with ``transaction=True`` flushes the database when it ends, and with two workers a
    module may run after such a test on its worker. Call it outside a transaction that is rolled
    back, so that what it loads stays for the later tests."""
    if not FrameworkVersion.objects.filter(code="MNR-2016").exists():
        load_all()
