"""Every page costs a known number of queries: a literal count per page, with the queries named.

Each page is loaded twice and the second load is counted (the framework's questions and the
cycle aggregates are then cached, as they are for every visitor after the first). The names of
the queries were read from the captured SQL. Every page
starts with the same two queries, SESSION: the session, then the user with their profile and its
country (one join: capabilities.auth.ModelBackend.get_user). Nothing is written at the end: the
session is saved again only when its sliding expiry is due (SAVE = 0 here;
capabilities.middleware.SessionRefreshMiddleware, tested in tests/test_settings.py). tests/capabilities/test_query_counts.py checks that the counts do not grow with the data.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from capabilities import services
from tests.factories import fill

SESSION, SAVE = 2, 0

# page → (persona, URL maker, queries between SESSION and SAVE, what they are)
PAGES = {
    "home (focal point)": ("focal_a", lambda w: reverse("home"), 2,
                           "the country's assessments with the question count, the countries "
                           "that share their profile"),
    "home (analyst)": ("analyst", lambda w: reverse("home"), 3,
                       "assessments to review, cycles, notifications"),
    "dashboard": ("focal_a", lambda w: reverse("capabilities:dashboard", args=[w.a]), 7,
                  "assessment, progress by domain, users who changed, status history, review "
                  "comments, recent changes, unresolved threads"),
    "domain page": ("focal_a", lambda w: reverse("capabilities:domain", args=[w.a, "D1"]), 3,
                    "assessment, answers, review comments (domains, phases, questions and their "
                    "HTML kept in the process: capabilities/caching.py local; the user's country "
                    "is the assessment's)"),
    "all questions": ("focal_a", lambda w: reverse("capabilities:questionnaire_all",
                                                   args=[w.a]), 3,
                      "assessment, answers, review comments (as the domain page)"),
    "answer history": ("focal_a", lambda w: reverse("capabilities:answer_history",
                                                    args=[w.a, w.q]), 6,
                       "assessment, question, its options, changes, comment threads, their "
                       "replies"),
    "check answers": ("focal_a", lambda w: reverse("capabilities:check_answers", args=[w.a]), 3,
                      "assessment, answers, review comments (questions cached)"),
    "review": ("analyst", lambda w: reverse("capabilities:review", args=[w.a]), 6,
               "assessment, answers, review comments, status history, last submission "
               "(resubmission banner), unresolved threads (questions cached)"),
    "analysts' list": ("analyst", lambda w: reverse("capabilities:assessment_list"), 3,
                       "cycles, question count, assessments with progress and groups"),
    "review queue": ("analyst", lambda w: reverse("capabilities:review_queue"), 1,
                     "submitted assessments with country and groups"),
    "team": ("focal_a", lambda w: reverse("capabilities:team"), 3,
             "team profiles, domains (form choices), domains (labels)"),
    "matrix": ("analyst", lambda w: reverse("reports:matrix") + f"?cycle={w.cycle}", 1,
               "the cycles with their stamps (the filter's choices too; the body is cached: "
               "reports/page_cache.py)"),
    "country profile": ("analyst", lambda w: reverse("reports:country_profile", args=["GHA"])
                        + f"?cycle={w.cycle}", 3,
                        "country, its assessments the user may see, the cycle's stamp (the "
                        "body is cached: reports/page_cache.py)"),
    "heat map": ("analyst", lambda w: reverse("reports:heatmap") + f"?cycle={w.cycle}", 4,
                 "cycles with data (the filter form's choices too), capabilities, assessments, "
                 "answers"),
    "compare": ("analyst", lambda w: reverse("reports:compare") + f"?cycle={w.cycle}", 2,
                "cycles with data (the form's choices too), assessments"),
    "trend": ("analyst", lambda w: reverse("reports:trend"), 4,
              "capabilities, cycles, assessments, answers"),
    "methodology": ("focal_a", lambda w: reverse("reports:methodology"), 0,
                    "nothing but the session"),
    "import upload": ("admin_user", lambda w: reverse("reports:import_upload"), 1,
                      "frameworks (form choices)"),
    "downloads": ("analyst", lambda w: reverse("reports:downloads", args=[w.cycle]), 2,
                  "cycle, countries the user may see"),
    "cycle progress": ("analyst", lambda w: reverse("capabilities:cycle_dashboard",
                                                    args=[w.cycle]), 4, "cycle, question count, assessments with deadline and progress, reminders sent"),
    "open a cycle": ("analyst", lambda w: reverse("capabilities:cycle_open"), 1, "frameworks (form choices)"),
    "deadline": ("analyst", lambda w: reverse("capabilities:deadline_extend", args=[w.a]), 2,
                 "assessment, its deadline extensions"),
    "changes since submission": ("analyst", lambda w: reverse(
        "capabilities:changes_since_submission", args=[w.a]), 2, "assessment, status history (the last two submissions)"),
    "comment thread": ("focal_a", lambda w: reverse("capabilities:comment_thread",
                                                    args=[w.a, w.q]), 7, "assessment, question, its options, may discuss, answer, threads, replies"),
    "framework upload": ("admin_user", lambda w: reverse("capabilities:framework_upload"), 0,
                         "nothing but the session"),
    "two-factor setup": ("focal_a", lambda w: reverse("two_factor_setup"), 6, "authenticator and recovery devices (django-otp reads them three times), "
                         "user, devices again"),
    "bulk exports": ("analyst", lambda w: reverse("reports:bulk_exports", args=[w.cycle]), 2,
                     "cycle, the cycle's bulk exports"),
}  # fmt: skip

# Pages for people not signed in: no session is read (none exists yet).
ANONYMOUS = {
    "sign-in": (lambda w: reverse("login"), 0, "nothing"),
    "password reset": (lambda w: reverse("password_reset"), 0, "nothing"),
    "password reset sent": (lambda w: reverse("password_reset_done"), 0, "nothing"),
    "password reset complete": (lambda w: reverse("password_reset_complete"), 0, "nothing"),
}


class World:
    def __init__(self, assessment, question, cycle):
        self.a, self.q, self.cycle = assessment.pk, question.pk, cycle.code


@pytest.fixture
def world(focal_a, focal_b, contributor_a, analyst, admin_user, assessment_a, assessment_b,
          questions, cycle):  # fmt: skip
    fill(assessment_a, questions, focal_a)
    fill(assessment_b, questions, focal_b)
    services.review_comment_add(
        assessment=assessment_a, question=questions[0], user=analyst, text="Check."
    )
    return World(assessment_a, questions[0], cycle)


@pytest.mark.parametrize("page", PAGES)
def test_each_page_costs_its_literal_number_of_queries(
    page, world, client, request, django_assert_num_queries
):
    persona, url, queries, _what = PAGES[page]
    client.force_login(request.getfixturevalue(persona))
    address = url(world)
    assert client.get(address).status_code == 200
    with django_assert_num_queries(SESSION + queries + SAVE):
        assert client.get(address).status_code == 200


@pytest.mark.parametrize("page", ANONYMOUS)
def test_each_anonymous_page_costs_its_literal_number_of_queries(
    page, world, client, django_assert_num_queries
):
    url, queries, _what = ANONYMOUS[page]
    address = url(world)
    assert client.get(address).status_code == 200
    with django_assert_num_queries(queries):
        assert client.get(address).status_code == 200


def test_the_second_factor_page_costs_its_literal_number_of_queries(
    client, analyst, django_assert_num_queries
):
    """An analyst with an authenticator, signed in with a password, asked for the code."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.create(user=analyst, name="phone", confirmed=True)
    client.force_login(analyst)
    address = reverse("two_factor_verify")
    assert client.get(address).status_code == 200
    with django_assert_num_queries(SESSION + 1):  # the user's authenticator devices
        assert client.get(address).status_code == 200


def test_the_questionnaire_upload_page_costs_its_literal_number_of_queries(
    client, focal_a, assessment_a, django_assert_num_queries
):
    """On a draft (a submitted assessment takes no upload)."""
    client.force_login(focal_a)
    address = reverse("capabilities:questionnaire_upload", args=[assessment_a.pk])
    assert client.get(address).status_code == 200
    with django_assert_num_queries(SESSION + 1):  # the assessment
        assert client.get(address).status_code == 200


def test_a_country_user_without_a_second_factor_pays_no_query_for_their_devices(
    client, focal_a, assessment_a, questions, django_assert_num_queries
):
    """Signed in with the password only (no device, not required): the middleware learns that
    they have no device from the user's own query (capabilities.two_factor.device_annotations),
    not from a query per device class at every request."""
    from tests.conftest import PASSWORD

    signed_in = client.post(reverse("login"), {"username": "focal_a", "password": PASSWORD})
    assert signed_in.status_code == 302
    address = reverse("capabilities:domain", args=[assessment_a.pk, "D1"])
    assert client.get(address).status_code == 200
    with django_assert_num_queries(SESSION + 2):  # the assessment, its answers
        assert client.get(address).status_code == 200


def test_a_new_drafts_domain_page_reads_no_comments(
    client, focal_a, assessment_a, analyst, questions, django_assert_num_queries
):
    """Never submitted: no comment thread can exist (the service refuses one), so none is read."""
    from capabilities.services import WorkflowError

    with pytest.raises(WorkflowError):
        services.review_comment_add(
            assessment=assessment_a, question=questions[0], user=analyst, text="Too early."
        )
    client.force_login(focal_a)
    address = reverse("capabilities:domain", args=[assessment_a.pk, "D1"])
    assert client.get(address).status_code == 200
    with django_assert_num_queries(SESSION + 2):  # the assessment, its answers
        assert client.get(address).status_code == 200


def test_the_streamed_answers_download_costs_four_queries_then_one_per_50_countries(
    client, analyst, world, cycle, django_assert_num_queries
):
    """The long CSV of a cycle: SESSION, the cycle, then reports.exports.answer_data_chunks:
    questions, their options, assessments, participations, and one query of answers per 50
    countries (two countries here: one chunk). Read to the end, since the body is streamed."""
    from reports import exports

    client.force_login(analyst)
    url = reverse("reports:cycle_answers", args=[cycle.code, "long", "csv"])
    with django_assert_num_queries(SESSION + 1 + 4 + 1):
        response = client.get(url)
        body = b"".join(response.streaming_content)
    assert body.count(b"\r\n") > 2
    from capabilities.models import Assessment

    with django_assert_num_queries(4 + 2):  # one chunk per country
        chunks = list(exports.answer_data_chunks(cycle, Assessment.objects.all(), size=1))
    assert len(chunks) == 2
