"""Helpers for the reports tests: fill an assessment with deterministic answers."""

from __future__ import annotations

import random

from capabilities import services
from capabilities.demo import demo_value
from capabilities.models import Assessment, Question

COMMENT = "Le plan national a été adopté en 2019 (ministère de la Justice)."


def fill(
    assessment: Assessment,
    questions: list[Question],
    user: object,
    *,
    seed: str = "seed",
    comments: dict[str, str] | None = None,
    submit: bool = True,
) -> None:
    """Answers every question (values as in the demo data), adds comments, evidence on
    headline questions, and submits."""
    rng = random.Random(seed)
    comments = comments or {}
    for question in questions:
        services.answer_save(
            assessment=assessment,
            question=question,
            value=demo_value(question, rng),
            comment=comments.get(question.code, ""),
            evidence=[f"https://example.org/{question.code}"] if question.is_headline else [],
            user=user,
            base_version=0,
        )
    if submit:
        services.assessment_submit(assessment=assessment, user=user)
