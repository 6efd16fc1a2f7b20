"""The printable questionnaire (issue 15): blank and with the current answers, EN and FR."""

from __future__ import annotations

import io

from django.urls import reverse
from pypdf import PdfReader

from capabilities import services


def _text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def _pdf(client, assessment, kind: str, lang: str) -> str:
    response = client.get(
        reverse("capabilities:questionnaire_pdf", kwargs={"pk": assessment.pk, "kind": kind}),
        {"lang": lang},
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f"-{lang}.pdf" in response["Content-Disposition"]
    return " ".join(_text(response.content).split())


def test_blank_and_answered_questionnaires_print_in_english_and_french(
    client, assessment_a, focal_a, questions
):
    by_code = {q.code: q for q in questions}
    services.answer_save(
        assessment=assessment_a,
        question=by_code["C01.strategy_year"],
        value="2016",
        comment="Adopted by decree 77-B",
        user=focal_a,
        base_version=0,
    )
    client.force_login(focal_a)
    blank_en = _pdf(client, assessment_a, "blank", "en")
    assert "C21.status" in blank_en and "C01.in_place" in blank_en  # the whole questionnaire
    assert "Tick all that apply" in blank_en
    assert "decree 77-B" not in blank_en  # blank means blank
    blank_fr = _pdf(client, assessment_a, "blank", "fr")
    assert "Cochez toutes les réponses applicables" in blank_fr
    answers_en = _pdf(client, assessment_a, "answers", "en")
    assert "Adopted by decree 77-B" in answers_en
    assert "2016" in answers_en and "2016 year" not in answers_en
    assert "Not answered" in answers_en
    answers_fr = _pdf(client, assessment_a, "answers", "fr")
    assert "2016" in answers_fr and "2016 année" not in answers_fr
    assert "Réponse : " in answers_fr
    assert "Sans réponse" in answers_fr


def test_an_unknown_printout_is_not_found(client, assessment_a, focal_a):
    client.force_login(focal_a)
    url = reverse("capabilities:questionnaire_pdf", kwargs={"pk": assessment_a.pk, "kind": "x"})
    assert client.get(url).status_code == 404
