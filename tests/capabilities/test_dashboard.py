"""The country dashboard (task list per domain) and the analysts' list of a cycle."""

from __future__ import annotations

import datetime

from django.urls import reverse

from capabilities import questionnaire, services
from capabilities.models import Assessment, Country, IncomeGroup, Region, Status
from tests._workflow import force_submit


def _save(assessment, user, question, value):
    return services.answer_save(
        assessment=assessment, question=question, value=value, user=user, base_version=0
    )


def _value(question) -> str:
    return "2" if question.kind == "maturity" else "yes"


def test_domain_progress_counts_answered_required_missing_and_the_last_change(
    focal_a, contributor_a, assessment_a, questions
):
    d6 = [q for q in questions if q.capability.domain.code == "D6"]
    for question in d6:
        if question.required:
            _save(assessment_a, focal_a, question, _value(question))
    d2 = [q for q in questions if q.capability.domain.code == "D2"]
    _save(assessment_a, contributor_a, d2[0], "yes")
    _save(assessment_a, contributor_a, d2[3], "")  # an empty save is no answer
    rows = {
        r.domain.code: r for r in questionnaire.domain_progress(assessment_a, editable_codes={"D2"})
    }
    assert [(r.total, r.required_total) for r in rows.values()] == [
        (17, 9),
        (21, 10),
        (20, 8),
        (20, 8),
        (20, 9),
        (10, 4),
    ]
    assert (rows["D6"].answered, rows["D6"].required_missing, rows["D6"].status) == (
        4,
        0,
        "completed",
    )
    assert (rows["D2"].answered, rows["D2"].required_missing, rows["D2"].status) == (
        1,
        9,
        "in_progress",
    )
    assert rows["D2"].last_changed_by == "Contrib_a"
    assert (rows["D1"].answered, rows["D1"].status, rows["D1"].last_changed_at) == (
        0,
        "not_started",
        None,
    )
    assert rows["D2"].editable and not rows["D1"].editable


def test_domains_cannot_start_before_the_cycle_opens(assessment_a, cycle):
    cycle.opens_on = datetime.date(2099, 1, 1)
    cycle.save()
    assessment_a.refresh_from_db()
    rows = questionnaire.domain_progress(assessment_a, editable_codes=None)
    assert {r.status for r in rows} == {"cannot_start"}


def test_dashboard_shows_the_task_list_progress_and_next_step(
    client, focal_a, contributor_a, assessment_a, questions, cycle
):
    cycle.deadline = datetime.date(2030, 6, 30)
    cycle.save()
    _save(assessment_a, contributor_a, questions[0], "yes")
    client.force_login(focal_a)
    body = client.get(reverse("capabilities:dashboard", args=[assessment_a.pk])).content.decode()
    for code in ("D1", "D2", "D3", "D4", "D5", "D6"):
        assert reverse("capabilities:domain", args=[assessment_a.pk, code]) in body
    assert body.count('class="task-status') == 6
    assert "In progress" in body and "Not started" in body
    assert "1 of 17 answered" in body and "8 required missing" in body
    assert "last change by Contrib_a" in body
    assert "30 June 2030" in body
    assert "1 of 108 questions answered" in body
    assert "Answer the 47 required questions still missing." in body
    assert reverse("capabilities:check_answers", args=[assessment_a.pk]) in body


def test_dashboard_tells_the_focal_point_to_submit_once_everything_required_is_answered(
    client, focal_a, contributor_a, assessment_a, questions
):
    for question in questions:
        if question.required:
            _save(assessment_a, focal_a, question, _value(question))
    client.force_login(focal_a)
    body = client.get(reverse("capabilities:dashboard", args=[assessment_a.pk])).content.decode()
    assert "Check your answers and submit." in body
    assert body.count(">Completed<") == 6
    client.force_login(contributor_a)
    body = client.get(reverse("capabilities:dashboard", args=[assessment_a.pk])).content.decode()
    assert "ask your focal point" in body.lower()
    assert "read-only for you" in body  # domains other than D2


def test_home_links_the_country_team_to_its_dashboard(client, contributor_a, assessment_a):
    client.force_login(contributor_a)
    body = client.get(reverse("home")).content.decode()
    assert reverse("capabilities:dashboard", args=[assessment_a.pk]) in body
    assert "0 of 108 questions answered" in body


def _list(client, cycle, **params) -> str:
    query = "&".join(f"{k}={v}" for k, v in {"cycle": cycle.code, **params}.items())
    response = client.get(reverse("capabilities:assessment_list") + "?" + query)
    assert response.status_code == 200
    return response.content.decode()


def _rows(body: str) -> list[str]:
    tbody = body.split("<tbody>")[1].split("</tbody>")[0]
    return [row.split("</th>")[0] for row in tbody.split('<th scope="row">')[1:]]


def test_analysts_list_filters_by_status_income_group_and_region_and_sorts(
    client, analyst, focal_a, cycle, questions, country_a, country_b
):
    a = services.assessment_get_or_create(country=country_a, cycle=cycle)
    b = services.assessment_get_or_create(country=country_b, cycle=cycle)
    france = Country.objects.get(code="FRA")
    c = Assessment.objects.create(country=france, cycle=cycle)
    services.participation_set(
        cycle=cycle,
        country=country_a,
        income_group=IncomeGroup.LOWER_MIDDLE,
        region=Region.SUB_SAHARAN_AFRICA,
    )
    services.participation_set(
        cycle=cycle,
        country=country_b,
        income_group=IncomeGroup.UPPER_MIDDLE,
        region=Region.EUROPE_CENTRAL_ASIA,
    )
    services.participation_set(
        cycle=cycle,
        country=france,
        income_group=IncomeGroup.HIGH,
        region=Region.EUROPE_CENTRAL_ASIA,
    )
    for question in questions[:3]:
        _save(a, focal_a, question, _value(question))
    force_submit(a, focal_a)
    _save(b, focal_a, questions[0], "no")
    client.force_login(analyst)

    body = _list(client, cycle)
    assert [r.split(">")[-2].split("<")[0] if "<a" in r else r for r in _rows(body)] == [
        "France",
        "Ghana",
        "Serbia",
    ]
    assert reverse("capabilities:review", args=[a.pk]) in body
    assert reverse("capabilities:review", args=[b.pk]) not in body  # draft: answers closed
    assert "3 of 108" in body and "Lower-middle income" in body

    assert len(_rows(_list(client, cycle, status=Status.SUBMITTED))) == 1
    assert len(_rows(_list(client, cycle, region=Region.EUROPE_CENTRAL_ASIA))) == 2
    only = _rows(_list(client, cycle, income_group=IncomeGroup.HIGH))
    assert len(only) == 1 and "France" in only[0]

    by_progress = _rows(_list(client, cycle, sort="-progress"))
    assert "Ghana" in by_progress[0] and "Serbia" in by_progress[1] and "France" in by_progress[2]
    body = _list(client, cycle, sort="-progress")
    assert 'aria-sort="descending"' in body
    assert c.status == Status.NOT_STARTED
