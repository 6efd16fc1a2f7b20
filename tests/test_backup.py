"""Backups: a dumpdata/loaddata round trip of a populated database loses nothing."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from capabilities import aggregates, services
from capabilities.models import (
    AnswerChange,
    Assessment,
    Country,
    Cycle,
    Question,
    ReviewComment,
    StatusChange,
)
from capabilities.reference_data import load_all
from tests._workflow import force_submit

EXCLUDE = [
    "contenttypes",
    "auth.permission",
    "admin.logentry",
    "sessions",
    "django_tasks_database",
    "axes",
]


def _snapshot(cycle_code: str) -> dict[str, object]:
    cycle = Cycle.objects.get(code=cycle_code)
    matrix = aggregates.capability_matrix(cycle, by="income_group")
    histories = sorted(
        AnswerChange.objects.values_list(
            "answer__assessment__country__code",
            "answer__question__code",
            "version",
            "old_value",
            "new_value",
            "new_comment",
            "changed_by__username",
        )
    )
    statuses = sorted(
        StatusChange.objects.values_list(
            "assessment__country__code",
            "from_status",
            "to_status",
            "reason",
            "changed_by__username",
        )
    )
    return {
        "cells": matrix.cells,
        "histories": histories,
        "statuses": statuses,
        "comments": sorted(ReviewComment.objects.values_list("text", "question__code")),
    }


@pytest.mark.django_db(transaction=True)
def test_dumpdata_loaddata_round_trip_keeps_the_matrix_and_the_histories(make_user, tmp_path):
    load_all()
    cycle = Cycle.objects.get(code="review-2021")
    analyst = make_user("analyst_rt", "analyst")
    questions = {q.code: q for q in Question.objects.filter(framework=cycle.framework)}
    participants = list(Country.objects.filter(participations__cycle=cycle).order_by("code")[:12])
    for index, country in enumerate(participants):
        focal = make_user(f"focal_{country.code.lower()}", "focal_point", country)
        assessment = services.assessment_get_or_create(country=country, cycle=cycle)
        for number, code in enumerate(("C01.in_place", "C02.in_place", "C04.in_place")):
            value = "yes" if (index + number) % 3 else "no"
            services.answer_save(
                assessment=assessment,
                question=questions[code],
                value=value,
                comment=f"Evidence {country.code}",
                user=focal,
                base_version=0,
            )
        services.answer_save(  # a second change: history keeps old and new values
            assessment=assessment,
            question=questions["C01.in_place"],
            value="dont_know",
            user=focal,
            base_version=1,
        )
        force_submit(assessment, focal)  # three answers only: no required-answers check
        if index % 2:
            services.assessment_validate(assessment=assessment, user=analyst)
    services.review_comment_add(
        assessment=Assessment.objects.first(),
        question=questions["C02.in_place"],
        user=analyst,
        text="Please cite the decree.",
    )
    before = _snapshot("review-2021")
    assert len(before["histories"]) == 12 * 4

    dump = tmp_path / "backup.json"
    out = io.StringIO()
    call_command(
        "dumpdata",
        "--natural-foreign",
        "--natural-primary",
        *[f"--exclude={e}" for e in EXCLUDE],
        "--output",
        str(dump),
        stdout=out,
    )
    call_command("flush", "--noinput")
    assert not AnswerChange.objects.exists()
    call_command("loaddata", str(dump), stdout=out)

    assert _snapshot("review-2021") == before
