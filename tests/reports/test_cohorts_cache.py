"""Cycle aggregates are cached (reports/cohorts.py) but never stale: a saved answer, a status
change, a new assessment or an edited participation shows at the next request."""

from __future__ import annotations

import csv
import io

from django.urls import reverse

from capabilities import services
from capabilities.models import Assessment, Question, Status

from .test_analysis import make_countries


def _int(text):
    return int(text) if text else None


def _c01(client, cycle, by=""):
    """C01's (yes, answered) by group, from the matrix page's own table download (the same
    cached aggregates; the page's body is cached too, so its context is not always there)."""
    query = {"cycle": cycle.code, "by": by}
    assert client.get(reverse("reports:matrix"), query).status_code == 200
    text = client.get(reverse("reports:matrix_download", args=["csv"]), query).content
    rows = list(csv.DictReader(io.StringIO(text.decode("utf-8-sig"))))
    return {
        r["group"]: (_int(r["yes"]), _int(r["answered"])) for r in rows if r["capability"] == "C01"
    }


def test_matrix_page_follows_answers_statuses_and_participations(
    client, analyst, cycle, django_assert_num_queries
):
    make_countries(cycle, 6, income="high")
    client.force_login(analyst)
    first = _c01(client, cycle)
    assert first[""] == (4, 6)
    # cached: the same page reads the cycle's stamp and no answer
    url = reverse("reports:matrix") + f"?cycle={cycle.code}"
    # session, the user with their profile, the cycles with their stamps (reports/cohorts.py):
    # no query over the answers (the page body is cached too: reports/page_cache.py)
    with django_assert_num_queries(3):
        client.get(url)

    # an answer changed through the service
    assessment = Assessment.objects.filter(cycle=cycle, answers__value="no").first()
    question = Question.objects.get(framework=cycle.framework, code="C01.in_place")
    answer = assessment.answers.get(question=question)
    # (a scored assessment changes only through an import into a validated one)
    Assessment.objects.filter(pk=assessment.pk).update(status=Status.VALIDATED)
    services.answer_save(
        assessment=assessment,
        question=question,
        value="yes",
        user=None,
        base_version=None,
        source="import",
    )
    assert answer.value == "no"
    assert _c01(client, cycle)[""] == (5, 6)

    # a status change: a returned assessment (a draft again) no longer counts
    Assessment.objects.filter(pk=assessment.pk).update(status=Status.SUBMITTED)
    assert _c01(client, cycle)[""] == (5, 6)
    services.assessment_return(assessment=assessment, user=analyst, reason="Check C01.")
    assert _c01(client, cycle)[""] == (4, 5)

    # a participation edited (no assessment touched): the breakdown follows
    by_income = _c01(client, cycle, "income_group")
    assert "low" not in by_income
    some = Assessment.objects.filter(cycle=cycle, status=Status.VALIDATED).first()
    services.participation_set(cycle=cycle, country=some.country, income_group="low")
    assert "low" in _c01(client, cycle, "income_group")
