"""Every change of an answer leaves exactly one history row; the history is shown, never edited."""

from __future__ import annotations

from django.urls import reverse

from capabilities import services
from capabilities.models import Answer, AnswerChange
from tests._workflow import force_submit


def _q(questions, code):
    return next(q for q in questions if q.code == code)


def test_every_answer_change_leaves_exactly_one_history_row_with_old_and_new_values(
    focal_a, contributor_a, assessment_a, questions
):
    question = _q(questions, "C04.in_place")
    steps = [
        (focal_a, "yes", "", []),
        (contributor_a, "no", "Repealed", []),
        (focal_a, "no", "Repealed", ["https://law.example/1"]),
        (contributor_a, "dont_know", "Repealed", ["https://law.example/1"]),
    ]
    version = 0
    for user, value, comment, evidence in steps:
        result = services.answer_save(
            assessment=assessment_a,
            question=question,
            value=value,
            comment=comment,
            evidence=evidence,
            user=user,
            base_version=version,
        )
        assert result.changed and result.stale is None
        version = result.answer.version
    # saving the same content again changes nothing and writes no history
    same = services.answer_save(
        assessment=assessment_a,
        question=question,
        value="dont_know",
        comment="Repealed",
        evidence=["https://law.example/1"],
        user=focal_a,
        base_version=version,
    )
    assert not same.changed
    changes = list(AnswerChange.objects.filter(answer__question=question).order_by("version"))
    assert [c.version for c in changes] == [1, 2, 3, 4]
    assert [(c.old_value, c.new_value) for c in changes] == [
        ("", "yes"),
        ("yes", "no"),
        ("no", "no"),
        ("no", "dont_know"),
    ]
    assert [(c.old_comment, c.new_comment) for c in changes][1] == ("", "Repealed")
    assert (changes[2].old_evidence, changes[2].new_evidence) == ([], ["https://law.example/1"])
    assert [c.changed_by for c in changes] == [focal_a, contributor_a, focal_a, contributor_a]


def test_saves_through_the_web_leave_one_history_row_each(client, focal_a, assessment_a, questions):
    question = _q(questions, "C01.strategy_year")
    client.force_login(focal_a)
    url = reverse("capabilities:answer_save", args=[assessment_a.pk, question.pk])
    for version, value in enumerate(["2010", "2015", "2015", "2021"]):
        expected = {0: 0, 1: 1, 2: 2, 3: 2}[version]
        client.post(url, {f"q{question.pk}-value": value, f"q{question.pk}-version": expected})
    answer = Answer.objects.get(assessment=assessment_a, question=question)
    rows = list(answer.changes.order_by("version").values_list("old_value", "new_value"))
    assert rows == [("", "2010"), ("2010", "2015"), ("2015", "2021")]
    assert answer.version == 3


def test_a_stale_save_is_refused_and_the_stored_value_is_unchanged(
    focal_a, contributor_a, assessment_a, questions
):
    question = _q(questions, "C04.in_place")
    services.answer_save(
        assessment=assessment_a, question=question, value="yes", user=focal_a, base_version=0
    )
    result = services.answer_save(
        assessment=assessment_a,
        question=question,
        value="no",
        comment="mine",
        user=contributor_a,
        base_version=0,
    )
    assert not result.changed
    assert result.stale is not None
    assert (result.stale.current_value, result.stale.saved_by) == ("yes", "Focal_a")
    answer = Answer.objects.get(assessment=assessment_a, question=question)
    assert (answer.value, answer.comment, answer.version, answer.updated_by) == (
        "yes",
        "",
        1,
        focal_a,
    )
    assert answer.changes.count() == 1


def test_history_page_shows_old_and_new_values_who_and_when(
    client, focal_a, contributor_a, analyst, assessment_a, questions
):
    question = _q(questions, "C04.in_place")
    services.answer_save(
        assessment=assessment_a, question=question, value="yes", user=focal_a, base_version=0
    )
    services.answer_save(
        assessment=assessment_a, question=question, value="no", user=contributor_a, base_version=1
    )
    url = reverse("capabilities:answer_history", args=[assessment_a.pk, question.pk])
    for user in (focal_a, contributor_a):
        client.force_login(user)
        body = client.get(url).content.decode()
        rows = body.split("<tbody>")[1].split("</tbody>")[0].split("<tr>")[1:]
        assert len(rows) == 2
        assert "Contrib_a" in rows[0] and ">Yes<" in rows[0] and ">No<" in rows[0]
        assert "Focal_a" in rows[1] and ">—<" in rows[1] and ">Yes<" in rows[1]
    # analysts see it once the assessment was submitted
    client.force_login(analyst)
    assert client.get(url).status_code == 404
    force_submit(assessment_a, focal_a)
    assert client.get(url).status_code == 200


def test_history_cannot_be_edited_through_the_app(client, focal_a, assessment_a, questions):
    question = _q(questions, "C04.in_place")
    services.answer_save(
        assessment=assessment_a, question=question, value="yes", user=focal_a, base_version=0
    )
    client.force_login(focal_a)
    url = reverse("capabilities:answer_history", args=[assessment_a.pk, question.pk])
    body = client.get(url).content.decode()
    assert "<form" not in body.split('id="main"')[1].split("</main>")[0]
    assert client.post(url, {"old_value": "no", "new_value": "no"}).status_code == 405
    change = AnswerChange.objects.get(answer__question=question)
    assert (change.old_value, change.new_value) == ("", "yes")
