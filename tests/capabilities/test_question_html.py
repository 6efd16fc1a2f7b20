"""The questions built from skeletons (capabilities/question_html.py) are byte for byte what
templates/capabilities/_question.html renders, for every question of the framework."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from django.contrib.auth import get_user_model
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from capabilities import question_html, questionnaire
from capabilities.demo import demo_value
from capabilities.forms import AnswerForm, initial_for
from capabilities.models import Answer, QuestionKind, ReviewComment

HOSTILE = "<script>alert(\"x\")</script> & 'quoted' <b>bold</b>"


def _user(first: str, last: str, username: str):
    return get_user_model()(first_name=first, last_name=last, username=username)


def _answer(question, assessment, *, value, comment="", evidence=(), version=1, prefilled=False,
            user=None):  # fmt: skip
    answer = Answer(
        assessment=assessment,
        question=question,
        value=value,
        comment=comment,
        evidence=list(evidence),
        version=version,
        updated_by=user,
        updated_at=datetime(2026, 3, 4, 15, 16, tzinfo=UTC),
    )
    if prefilled:
        answer.prefilled_from_id = 12345
    return answer


def _comments(question, assessment, text: str) -> list[ReviewComment]:
    made = []
    for n, (resolved, replies) in enumerate(((None, 0), (datetime(2026, 1, 2, tzinfo=UTC), 3))):
        comment = ReviewComment(
            pk=500 + n,
            assessment=assessment,
            question=question,
            text=f"{text}\nline {n}",
            author=_user("Ana" if n else "", "Lyst" if n else "", f"analyst{n}<&>"),
            created_at=datetime(2026, 2, 3, 10, n, tzinfo=UTC),
            resolved_at=resolved,
        )
        comment.reply_count = replies
        made.append(comment)
    return made


def _template(question, answer, comments, phases, assessment) -> str:
    form = AnswerForm(question=question, initial=initial_for(question, answer))
    shown = question_html.item(question, answer, form, {question.pk: comments}, phases)
    return render_to_string(
        "capabilities/_question.html", {"item": shown, "assessment": assessment}
    )


def _fast(skeleton, question, answer, comments, assessment) -> str:
    return question_html.fill(
        skeleton, question=question, assessment_pk=assessment.pk, answer=answer, comments=comments
    )


def _value(question, rng: random.Random, hostile: bool) -> str:
    if hostile and question.kind == QuestionKind.TEXT:
        return HOSTILE + "\n second line"
    return demo_value(question, rng)


def _cases(question, assessment, rng):
    """(label, answer, comments): no answer; a plain answer; everything filled in; hostile."""
    someone = _user("Fatou", "Diallo", "fatou")
    yield "none", None, []
    yield "plain", _answer(question, assessment, value=_value(question, rng, False),
                           user=someone), []  # fmt: skip
    yield "empty value, comment", _answer(question, assessment, value="", comment="Only a note",
                                          user=someone, version=2), []  # fmt: skip
    yield "full", _answer(
        question, assessment, value=_value(question, rng, False), comment="A comment\nover lines",
        evidence=["https://example.org/a", "https://example.org/b?x=1&y=2"], version=7,
        prefilled=True, user=_user("", "", "only-username"),
    ), _comments(question, assessment, "Please check")  # fmt: skip
    yield "hostile", _answer(
        question, assessment, value=_value(question, rng, True), comment=HOSTILE,
        evidence=['https://example.org/?q=<script>&a="b"'], version=3, prefilled=True,
        user=_user("<script>x</script>", "O'Neil & \"co\"", "h"),
    ), _comments(question, assessment, HOSTILE)  # fmt: skip
    yield "nobody", _answer(question, assessment, value=_value(question, rng, False),
                            comment="x", user=None), []  # fmt: skip


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_every_question_from_its_skeleton_is_the_template_byte_for_byte(
    assessment_a, questions, lang
):
    rng = random.Random(11)
    with translation.override(lang):
        phases = questionnaire.maturity_phases(assessment_a)
        questions = questionnaire.questions_of(assessment_a)
        assert len(questions) == 108
        kinds = set()
        for question in questions:
            skeleton = question_html.build(question, phases)
            kinds.add(question.kind)
            for label, answer, comments in _cases(question, assessment_a, rng):
                expected = _template(question, answer, comments, phases, assessment_a)
                got = _fast(skeleton, question, answer, comments, assessment_a)
                assert got == expected, (question.code, label, lang)
        assert kinds == set(QuestionKind.values)  # every kind of question was compared


def test_the_comparison_fails_when_a_skeleton_is_wrong(assessment_a, questions):
    """The byte-for-byte check can fail: a skeleton without its "open" piece, or with the
    hidden version in the wrong place, gives other HTML than the template."""
    phases = questionnaire.maturity_phases(assessment_a)
    question = next(q for q in questions if q.kind == QuestionKind.YES_NO)
    skeleton = question_html.build(question, phases)
    answer = _answer(question, assessment_a, value="yes", comment="note", user=None)
    expected = _template(question, answer, [], phases, assessment_a)
    assert _fast(skeleton, question, answer, [], assessment_a) == expected
    without_open = replace(skeleton, pieces=tuple(p for p in skeleton.pieces if p[0] != "opened"))
    assert _fast(without_open, question, answer, [], assessment_a) != expected
    swapped = replace(
        skeleton,
        pieces=tuple(
            ("COMMENT",) if p == ("VERSION",) else ("VERSION",) if p == ("COMMENT",) else p
            for p in skeleton.pieces
        ),
    )
    assert _fast(swapped, question, answer, [], assessment_a) != expected


def test_user_text_is_escaped_on_the_page_as_the_template_escapes_it(
    client, focal_a, assessment_a, questions, analyst
):
    from capabilities import services

    question = next(q for q in questions if q.kind == QuestionKind.TEXT)
    code = question.capability.domain.code
    focal_a.first_name = "<script>who</script>"
    focal_a.save()
    services.answer_save(
        assessment=assessment_a,
        question=question,
        value=HOSTILE,
        comment=HOSTILE,
        evidence=['https://example.org/?q=<script>&a="b"'],
        user=focal_a,
        base_version=None,
    )
    _returned_after_review(assessment_a)
    services.review_comment_add(
        assessment=assessment_a, question=question, user=analyst, text=HOSTILE
    )
    client.force_login(focal_a)
    for url in (
        reverse("capabilities:domain", args=[assessment_a.pk, code]),
        reverse("capabilities:questionnaire_all", args=[assessment_a.pk]),
    ):
        body = client.get(url).content.decode()
        assert "<script>" not in body.replace('<script src="', "").replace(
            '<script id="questionnaire-strings" type="application/json">', ""
        ), url
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#x27;quoted&#x27;" in body
        assert "https://example.org/?q=&lt;script&gt;&amp;a=&quot;b&quot;" in body
        assert "&lt;script&gt;who&lt;/script&gt;" in body  # "Last saved by"


def test_a_changed_question_text_changes_the_skeleton(client, focal_a, assessment_a):
    """The skeletons are kept per framework generation: an edit is seen at the next request."""
    client.force_login(focal_a)
    url = reverse("capabilities:questionnaire_all", args=[assessment_a.pk])
    assert "A wholly new wording" not in client.get(url).content.decode()
    question = questionnaire.questions_of(assessment_a)[0]
    question.text_en = "A wholly new wording"
    question.save()
    assert "A wholly new wording" in client.get(url).content.decode()


def _returned_after_review(assessment) -> None:
    """Submitted once and back with the country (a draft): comments are on a submitted one."""
    from django.utils import timezone

    type(assessment).objects.filter(pk=assessment.pk).update(submitted_at=timezone.now())
    assessment.refresh_from_db()
