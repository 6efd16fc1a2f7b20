"""The survey workload on django-survey-and-report; prints one JSON object on its last line.

Run by benchmarks/survey_bench.py with the survey virtualenv's Python:
``python -m benchmarks.survey_project.run`` (DJANGO_SETTINGS_MODULE=benchmarks.survey_project.settings).

Workload: one survey of 100 questions in 6 categories (the kinds of MRN Assess's questionnaire:
yes/no/don't know and maturity radios, single and multiple choice, integers, free text), then
respondents (users) with a complete response each, built with bulk_create. At 20 and then at 200
respondents, each operation is timed (median of REPEAT runs after one warm-up) and its queries
counted (benchmarks.common.measure; slow operations get fewer runs):

- form_section: GET of the second category's page (BY_CATEGORY display), 19 questions, for a
  respondent who has answered (the form shows their answers);
- form_all: GET of the survey as one page (ALL_IN_ONE_PAGE display), 100 questions, same person;
- save: POST of all 100 answers by a new respondent (one page), which creates the response;
- export: the package's own CSV export, ``str(Survey2Csv(survey))`` (what its admin action and
  its CSV view write).
"""

from __future__ import annotations

import json
import os
import sys
from datetime import date

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.survey_project.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from survey.exporter.csv.survey2csv import Survey2Csv  # noqa: E402
from survey.models import Answer, Category, Question, Response, Survey  # noqa: E402

from benchmarks import common  # noqa: E402

REPEAT = int(os.environ.get("SURVEY_REPEAT", "5"))
SIZES = (20, 200)
SECTION_SIZES = (16, 19, 19, 18, 19, 9)  # 100 questions, shaped like MRN's 6 domains
# (type, choices) in the proportions of MRN Assess's 108 questions.
KINDS = (
    [(Question.RADIO, "yes, no, dont-know")] * 44
    + [(Question.RADIO, "phase-1, phase-2, phase-3, phase-4")] * 20
    + [(Question.SELECT_MULTIPLE, "option-a, option-b, option-c, option-d, option-e")] * 13
    + [(Question.INTEGER, None)] * 12
    + [(Question.RADIO, "choice-a, choice-b, choice-c, choice-d")] * 8
    + [(Question.TEXT, None)] * 3
)


def build_survey() -> tuple[Survey, list[Question]]:
    survey = Survey.objects.create(
        name="Benchmark survey",
        description="100 questions in 6 sections",
        is_published=True,
        need_logged_user=True,
        editable_answers=True,
        display_method=Survey.BY_CATEGORY,
        publish_date=date(2020, 1, 1),
        expire_date=date(2100, 1, 1),
    )
    questions = []
    k = 0
    for c, size in enumerate(SECTION_SIZES):
        category = Category.objects.create(name=f"Section {c + 1}", survey=survey, order=c)
        for _ in range(size):
            kind, choices = KINDS[(k * 7) % len(KINDS)]  # kinds spread over the sections
            questions.append(
                Question.objects.create(
                    text=f"Question {k + 1}: is this capability in place in your country?",
                    order=k,
                    required=False,
                    category=category,
                    survey=survey,
                    type=kind,
                    choices=choices,
                )
            )
            k += 1
    return survey, questions


def form_value(question: Question, n: int) -> object:
    """What a respondent posts for the question (the n-th respondent's answer)."""
    if question.type == Question.TEXT:
        return "Described in the national action plan."
    if question.type == Question.INTEGER:
        return str(10 + n % 90)
    choices = [slug for slug, _label in question.get_choices()]
    if question.type == Question.SELECT_MULTIPLE:
        return choices[: 1 + n % 3]
    return choices[n % len(choices)]


def stored_body(question: Question, n: int) -> str:
    """The body the package stores for that answer (``str`` of the cleaned value)."""
    return str(form_value(question, n))


def add_respondents(survey: Survey, questions: list[Question], count: int, start: int) -> list:
    user_model = get_user_model()
    users = user_model.objects.bulk_create(
        [user_model(username=f"respondent-{start + i:04d}") for i in range(count)]
    )
    responses = Response.objects.bulk_create(
        [
            Response(survey=survey, user=u, interview_uuid=f"{start + i:032d}")
            for i, u in enumerate(users)
        ]
    )
    Answer.objects.bulk_create(
        [
            Answer(question=q, response=r, body=stored_body(q, start + i))
            for i, r in enumerate(responses)
            for q in questions
        ],
        batch_size=5000,
    )
    return users


def measure(fn, *, prepare=None) -> dict[str, float]:
    result = common.measure(fn, prepare=prepare, repeat=REPEAT)
    return {"seconds": result.seconds, "queries": result.queries, "runs": result.runs}


def operations(survey: Survey, questions: list[Question], respondent: object) -> dict:
    """The four operations at the current number of respondents."""
    user_model = get_user_model()
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(respondent)
    section_url = f"/survey/{survey.pk}-1/"
    all_url = f"/survey/{survey.pk}/"

    def get(url: str, display: int) -> None:
        Survey.objects.filter(pk=survey.pk).update(display_method=display)
        response = client.get(url)
        assert response.status_code == 200, response.status_code

    figures = {
        "form_section": measure(lambda _a: get(section_url, Survey.BY_CATEGORY)),
        "form_all": measure(lambda _a: get(all_url, Survey.ALL_IN_ONE_PAGE)),
    }
    Survey.objects.filter(pk=survey.pk).update(display_method=Survey.ALL_IN_ONE_PAGE)
    post = {f"question_{q.pk}": form_value(q, 7) for q in questions}

    def new_client() -> Client:
        user = user_model.objects.create(username=f"new-respondent-{user_model.objects.count()}")
        fresh = Client(HTTP_HOST="127.0.0.1")
        fresh.force_login(user)
        return fresh

    def save(fresh: Client) -> None:
        response = fresh.post(all_url, post)
        assert response.status_code == 302, response.status_code

    figures["save"] = measure(save, prepare=new_client)
    survey.refresh_from_db()
    lines = []

    def export(_a: object) -> None:
        lines.append(str(Survey2Csv(survey)).count("\n") + 1)

    figures["export"] = measure(export)
    figures["export"]["lines"] = lines[-1]
    return figures


def main() -> None:
    os.makedirs(settings.CSV_DIRECTORY, exist_ok=True)
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        survey, questions = build_survey()
        respondent = None
        results: dict[str, dict] = {}
        for size in SIZES:
            have = Response.objects.filter(survey=survey).count()
            users = add_respondents(survey, questions, max(size - have, 0), have)
            respondent = respondent or users[0]
            figures = operations(survey, questions, respondent)
            figures["respondents"] = have + len(users)
            results[str(size)] = figures
        print(
            json.dumps(
                {
                    "django": django.get_version(),
                    "database": connection.vendor,
                    "questions": len(questions),
                    "sections": len(SECTION_SIZES),
                    "results": results,
                }
            )
        )
    finally:
        connection.close()
        connection.creation.destroy_test_db(settings.DATABASES["default"]["NAME"], verbosity=0)


if __name__ == "__main__":
    sys.exit(main())
