"""The security suite: every URL pattern × every persona gets exactly the access of the role table.

PRODUCT.md's role table, as expectations. ``ACCESS`` classifies every named URL of the project;
``test_every_url_pattern_is_classified`` enumerates the URL resolver, so a new view that is not
added here fails the suite instead of escaping it.

Personas: anonymous, the focal point and a contributor (domain D2) of country A (Ghana), the focal
point of country B (Serbia), an analyst and an administrator. Every URL that names an object
names country A's: B must never get it.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from capabilities import services
from capabilities.models import Answer, AnswerChange, Assessment, Question, Status
from reports.models import BulkExport

OK, DENY, LOGIN = "ok", "deny", "login"
PERSONAS = ("anonymous", "focal_a", "contributor_a", "focal_b", "analyst", "admin_user")
MARKER = "CONFIDENTIAL-GHANA-7f3a"  # in country A's comments: must never reach country B


def _everyone(expected: str = OK, anonymous: str = LOGIN) -> dict[str, str]:
    return {p: (anonymous if p == "anonymous" else expected) for p in PERSONAS}


def _only(*allowed: str) -> dict[str, str]:
    return {p: (LOGIN if p == "anonymous" else OK if p in allowed else DENY) for p in PERSONAS}


TEAM_A_AND_SECRETARIAT = _only("focal_a", "contributor_a", "analyst", "admin_user")
SECRETARIAT = _only("analyst", "admin_user")


@dataclass(frozen=True)
class Rule:
    """How to call one URL and what each persona must get."""

    method: str
    expect: dict[str, str]
    state: str = Status.SUBMITTED  # status of country A's assessment during the call
    kwargs: Callable[[dict], dict] = lambda ctx: {}
    data: Callable[[dict], dict] = lambda ctx: {}


A_PK = lambda ctx: {"pk": ctx["assessment_a"].pk}  # noqa: E731
CYCLE = lambda ctx: {"cycle_code": ctx["cycle"].code}  # noqa: E731


ACCESS: dict[str, Rule] = {
    # --- site --------------------------------------------------------------------------------
    "home": Rule("GET", _everyone()),
    "login": Rule("GET", _everyone(anonymous=OK)),
    "logout": Rule("POST", _everyone(LOGIN, anonymous=LOGIN)),  # back to the login page
    "set_language": Rule("POST", _everyone(anonymous=OK), data=lambda ctx: {"language": "fr"}),
    "health": Rule("GET", _everyone(anonymous=OK)),
    # --- questionnaire and workflow ----------------------------------------------------------
    "capabilities:assessment_list": Rule("GET", SECRETARIAT),
    "capabilities:review_queue": Rule("GET", SECRETARIAT),
    "capabilities:team": Rule("GET", _only("focal_a", "focal_b")),  # each sees only its own team
    "capabilities:team_member": Rule(
        "POST",
        _only("focal_a"),
        kwargs=lambda ctx: {"pk": ctx["users"]["contributor_a"].profile.pk},
        data=lambda ctx: {
            f"m{ctx['users']['contributor_a'].profile.pk}-domain_codes": ["D2"],
            f"m{ctx['users']['contributor_a'].profile.pk}-active": "on",
        },
    ),
    # Send the invitation again: only the focal point of the member's country.
    "capabilities:team_invite": Rule(
        "POST",
        _only("focal_a"),
        kwargs=lambda ctx: {"pk": ctx["users"]["contributor_a"].profile.pk},
    ),
    "two_factor_verify": Rule("GET", _everyone()),
    "two_factor_setup": Rule("GET", _everyone()),
    "password_reset": Rule("GET", _everyone(anonymous=OK)),
    "password_reset_done": Rule("GET", _everyone(anonymous=OK)),
    "password_reset_confirm": Rule(
        "GET", _everyone(anonymous=OK), kwargs=lambda ctx: {"uidb64": "MQ", "token": "x-y"}
    ),
    "password_reset_complete": Rule("GET", _everyone(anonymous=OK)),
    "capabilities:dashboard": Rule("GET", TEAM_A_AND_SECRETARIAT, kwargs=A_PK),
    "capabilities:domain": Rule(
        "GET", TEAM_A_AND_SECRETARIAT, kwargs=lambda ctx: {**A_PK(ctx), "code": "D1"}
    ),
    "capabilities:questionnaire_all": Rule("GET", TEAM_A_AND_SECRETARIAT, kwargs=A_PK),
    "capabilities:check_answers": Rule("GET", TEAM_A_AND_SECRETARIAT, kwargs=A_PK),
    "capabilities:comment_thread": Rule(
        "GET",
        TEAM_A_AND_SECRETARIAT,
        kwargs=lambda ctx: {**A_PK(ctx), "question_id": ctx["q_d1"].pk},
    ),
    "capabilities:answer_history": Rule(
        "GET",
        TEAM_A_AND_SECRETARIAT,
        kwargs=lambda ctx: {**A_PK(ctx), "question_id": ctx["q_d1"].pk},
    ),
    # Saving a D1 answer of a draft: the focal point and the administrator; not the contributor
    # (D2 only), not country B, not the analyst (analysts never edit answers).
    "capabilities:answer_save": Rule(
        "POST",
        _only("focal_a", "admin_user"),
        state=Status.DRAFT,
        kwargs=lambda ctx: {**A_PK(ctx), "question_id": ctx["q_d1"].pk},
        data=lambda ctx: {
            f"q{ctx['q_d1'].pk}-value": "no",
            f"q{ctx['q_d1'].pk}-version": str(ctx["answer_d1"].version),
        },
    ),
    "capabilities:submit": Rule(
        "POST", _only("focal_a", "admin_user"), state=Status.DRAFT, kwargs=A_PK
    ),
    "capabilities:review": Rule("GET", SECRETARIAT, kwargs=A_PK),
    "capabilities:changes_since_submission": Rule("GET", SECRETARIAT, kwargs=A_PK),
    "capabilities:review_comment": Rule(
        "POST",
        SECRETARIAT,
        kwargs=A_PK,
        data=lambda ctx: {"question": ctx["q_d1"].pk, "text": "Please add the decree."},
    ),
    "capabilities:return": Rule(
        "POST", SECRETARIAT, kwargs=A_PK, data=lambda ctx: {"reason": "Evidence missing."}
    ),
    "capabilities:validate": Rule("POST", SECRETARIAT, kwargs=A_PK),
    # --- running a cycle (the secretariat) ---------------------------------------------------
    "capabilities:cycle_open": Rule("GET", SECRETARIAT),
    "capabilities:cycle_dashboard": Rule(
        "GET", SECRETARIAT, kwargs=lambda ctx: {"code": ctx["cycle"].code}
    ),
    "capabilities:deadline_extend": Rule("GET", SECRETARIAT, kwargs=A_PK),
    "capabilities:invitation_resend": Rule("POST", SECRETARIAT, kwargs=A_PK),
    "capabilities:notifications": Rule("POST", _everyone(OK)),  # each for themselves
    # Offline questionnaire (issue 15): the country's team (a contributor gets its domains);
    # uploads only while the assessment is a draft; the printouts for whoever may read it.
    "capabilities:questionnaire_download": Rule(
        "GET", _only("focal_a", "contributor_a", "admin_user"), kwargs=A_PK
    ),
    "capabilities:questionnaire_upload": Rule(
        "GET", _only("focal_a", "contributor_a", "admin_user"), state=Status.DRAFT, kwargs=A_PK
    ),
    "capabilities:questionnaire_confirm": Rule(
        "POST", _only("focal_a", "contributor_a", "admin_user"), state=Status.DRAFT, kwargs=A_PK
    ),
    "capabilities:prefill": Rule(
        "POST", _only("focal_a", "admin_user"), state=Status.DRAFT, kwargs=A_PK
    ),
    "capabilities:prefill_confirm": Rule(
        "POST",
        _only("focal_a", "admin_user"),
        state=Status.DRAFT,
        kwargs=lambda ctx: {**A_PK(ctx), "code": "D1"},
    ),
    "capabilities:questionnaire_pdf": Rule(
        "GET", TEAM_A_AND_SECRETARIAT, kwargs=lambda ctx: {**A_PK(ctx), "kind": "answers"}
    ),
    "capabilities:framework_upload": Rule("GET", _only("admin_user")),
    # --- analysis (aggregates for everyone; comparisons for the secretariat) -----------------
    "reports:matrix": Rule("GET", _everyone()),
    "reports:matrix_download": Rule("GET", _everyone(), kwargs=lambda ctx: {"fmt": "csv"}),
    "reports:methodology": Rule("GET", _everyone()),
    "reports:country_profile": Rule(
        "GET", TEAM_A_AND_SECRETARIAT, kwargs=lambda ctx: {"code": "GHA"}
    ),
    "reports:heatmap": Rule("GET", SECRETARIAT),
    "reports:compare": Rule("GET", SECRETARIAT),
    "reports:trend": Rule("GET", SECRETARIAT),
    "reports:heatmap_download": Rule("GET", SECRETARIAT, kwargs=lambda ctx: {"fmt": "csv"}),
    "reports:compare_download": Rule("GET", SECRETARIAT, kwargs=lambda ctx: {"fmt": "csv"}),
    "reports:trend_download": Rule("GET", SECRETARIAT, kwargs=lambda ctx: {"fmt": "xlsx"}),
    "reports:import_upload": Rule("GET", _only("admin_user")),
    # --- downloads ---------------------------------------------------------------------------
    "reports:downloads": Rule("GET", _everyone(), kwargs=CYCLE),
    "reports:matrix_report": Rule("GET", _everyone(), kwargs=CYCLE),
    "reports:matrix_export": Rule(
        "GET", _everyone(), kwargs=lambda ctx: {**CYCLE(ctx), "fmt": "csv"}
    ),
    "reports:cycle_answers": Rule(
        "GET", SECRETARIAT, kwargs=lambda ctx: {**CYCLE(ctx), "layout": "long", "fmt": "csv"}
    ),
    "reports:country_report": Rule(
        "GET", TEAM_A_AND_SECRETARIAT, kwargs=lambda ctx: {**CYCLE(ctx), "country_code": "GHA"}
    ),
    "reports:country_answers": Rule(
        "GET",
        TEAM_A_AND_SECRETARIAT,
        kwargs=lambda ctx: {**CYCLE(ctx), "country_code": "GHA", "layout": "long", "fmt": "csv"},
    ),
    "reports:country_action_plan": Rule(
        "GET",
        TEAM_A_AND_SECRETARIAT,
        kwargs=lambda ctx: {**CYCLE(ctx), "country_code": "GHA", "fmt": "csv"},
    ),
    "reports:bulk_exports": Rule("GET", SECRETARIAT, kwargs=CYCLE),
    "reports:bulk_export_status": Rule(
        "GET", SECRETARIAT, kwargs=lambda ctx: {"pk": ctx["bulk"].pk}
    ),
    "reports:bulk_export_download": Rule(
        "GET", SECRETARIAT, kwargs=lambda ctx: {"pk": ctx["bulk"].pk}
    ),
    # --- administration (Django admin: staff only) -------------------------------------------
    # Non-staff users are sent to the admin's own login page, which they cannot pass.
    "admin:index": Rule("GET", {**_everyone(LOGIN), "admin_user": OK}),
}


def _walk(patterns, prefix: str = "") -> list[str]:
    names = []
    for entry in patterns:
        if isinstance(entry, URLResolver):
            namespace = f"{entry.namespace}:" if entry.namespace else ""
            if entry.namespace == "admin":
                continue  # the Django admin as a whole: admin:index stands for it (staff only)
            names += _walk(entry.url_patterns, prefix + namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            names.append(prefix + entry.name)
        elif isinstance(entry, URLPattern):
            names.append(f"<unnamed {entry.pattern}>")
    return names


def project_url_names() -> list[str]:
    return [name for name in _walk(get_resolver().url_patterns) if not name.startswith("django.")]


def test_every_url_pattern_is_classified():
    names = project_url_names()
    unclassified = sorted(set(names) - set(ACCESS))
    assert unclassified == [], (
        f"URL patterns without an access rule in tests/test_security.py: {unclassified}"
    )
    assert sorted(set(ACCESS) - set(names) - {"admin:index"}) == []


# ---------------------------------------------------------------------------------------------
# The world each check runs in


@pytest.fixture
def world(
    reference,
    cycle,
    country_a,
    country_b,
    focal_a,
    contributor_a,
    focal_b,
    analyst,
    admin_user,
    settings,
    tmp_path,
):
    settings.MEDIA_ROOT = tmp_path
    questions = {q.code: q for q in Question.objects.filter(framework=cycle.framework)}
    q_d1 = questions["C01.in_place"]
    assessment_a = services.assessment_get_or_create(country=country_a, cycle=cycle)
    assessment_b = services.assessment_get_or_create(country=country_b, cycle=cycle)
    for assessment, user in ((assessment_a, focal_a), (assessment_b, focal_b)):
        for code in ("C01.in_place", "C04.in_place", "C12.in_place"):
            services.answer_save(
                assessment=assessment,
                question=questions[code],
                value="yes",
                user=user,
                base_version=0,
                comment=f"{MARKER} {code}" if assessment is assessment_a else "",
            )
    Assessment.objects.filter(pk=assessment_b.pk).update(
        status=Status.SUBMITTED, submitted_at=timezone.now()
    )
    bulk = BulkExport.objects.create(
        cycle=cycle, lang="en", requested_by=analyst, status="done", done=1, total=1
    )
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("serbia.pdf", b"%PDF-1.7 stand-in")
    bulk.file.save("bulk.zip", ContentFile(archive.getvalue()))
    users = {
        "focal_a": focal_a,
        "contributor_a": contributor_a,
        "focal_b": focal_b,
        "analyst": analyst,
        "admin_user": admin_user,
    }
    return {
        "cycle": cycle,
        "assessment_a": assessment_a,
        "assessment_b": assessment_b,
        "q_d1": q_d1,
        "answer_d1": Answer.objects.get(assessment=assessment_a, question=q_d1),
        "bulk": bulk,
        "users": users,
        "focal_a": focal_a,
    }


def _set_state(world: dict, state: str) -> None:
    """Puts country A's assessment in ``state`` directly (the workflow is tested elsewhere)."""
    assessment = world["assessment_a"]
    stamp = {"submitted_at": timezone.now()} if state != Status.DRAFT else {}
    Assessment.objects.filter(pk=assessment.pk).update(status=state, **stamp)
    assessment.refresh_from_db()


def _client(world: dict, persona: str, *, csrf: bool = False) -> Client:
    client = Client(enforce_csrf_checks=csrf)
    if persona != "anonymous":
        client.force_login(world["users"][persona])
    return client


def _call(client: Client, name: str, rule: Rule, world: dict, data: dict | None = None):
    url = reverse(name, kwargs=rule.kwargs(world))
    if rule.method == "POST":
        return client.post(url, rule.data(world) if data is None else data)
    return client.get(url)


def _verdict(response) -> str:
    if response.status_code in (403, 404):
        return DENY
    if response.status_code == 302 and "/login/" in response.get("Location", ""):
        return LOGIN
    if response.status_code < 400 or response.status_code in (400, 409):
        # 400/409: the request was let through to validation (e.g. a workflow rule); allowed.
        return OK
    return f"unexpected {response.status_code}"


@pytest.mark.parametrize("name", sorted(ACCESS))
def test_each_persona_gets_exactly_the_access_of_the_role_table(name, world):
    rule = ACCESS[name]
    got = {}
    for persona in PERSONAS:
        _set_state(world, rule.state)
        got[persona] = _verdict(_call(_client(world, persona), name, rule, world))
    assert got == rule.expect


# ---------------------------------------------------------------------------------------------
# CSRF, inert user text, no cross-country data


STATE_CHANGING = sorted(name for name, rule in ACCESS.items() if rule.method == "POST")


@pytest.mark.parametrize("name", STATE_CHANGING)
def test_state_changing_requests_without_a_csrf_token_are_refused(name, world):
    rule = ACCESS[name]
    _set_state(world, rule.state)
    before = (AnswerChange.objects.count(), world["assessment_a"].status)
    persona = (
        next(p for p, v in rule.expect.items() if v == OK and p != "anonymous")
        if any(v == OK and p != "anonymous" for p, v in rule.expect.items())
        else "focal_a"
    )
    response = _call(_client(world, persona, csrf=True), name, rule, world)
    assert response.status_code == 403
    world["assessment_a"].refresh_from_db()
    assert (AnswerChange.objects.count(), world["assessment_a"].status) == before


def test_every_url_answers_a_post_without_csrf_with_403_or_405(world):
    """Not only the known POST views: a GET view must not accept a forged POST either."""
    client = _client(world, "admin_user", csrf=True)
    for name, rule in ACCESS.items():
        if name in ("login", "admin:index"):
            continue
        _set_state(world, rule.state)
        url = reverse(name, kwargs=rule.kwargs(world))
        status = client.post(url, rule.data(world)).status_code
        assert status in (403, 405), f"{name} answered {status} to a POST without CSRF token"


def test_user_text_is_rendered_inert_in_every_page(world, client):
    attack = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    question = world["q_d1"]
    answer = world["answer_d1"]
    services.answer_save(
        assessment=world["assessment_a"],
        question=question,
        value="yes",
        comment=attack,
        evidence=["https://example.org/?q=<script>"],
        user=world["focal_a"],
        base_version=answer.version,
    )
    _set_state(world, Status.SUBMITTED)
    client.force_login(world["users"]["analyst"])
    services.review_comment_add(
        assessment=world["assessment_a"],
        question=question,
        user=world["users"]["analyst"],
        text=attack,
    )
    pk = world["assessment_a"].pk
    pages = [
        reverse("capabilities:domain", kwargs={"pk": pk, "code": "D1"}),
        reverse("capabilities:questionnaire_all", kwargs={"pk": pk}),
        reverse("capabilities:check_answers", kwargs={"pk": pk}),
        reverse("capabilities:answer_history", kwargs={"pk": pk, "question_id": question.pk}),
        reverse("capabilities:review", kwargs={"pk": pk}),
        reverse("capabilities:dashboard", kwargs={"pk": pk}),
    ]
    for url in pages:
        body = client.get(url).content.decode()
        assert "<script>alert" not in body, url
        assert "<img src=x" not in body, url
    client.force_login(world["focal_a"])
    body = client.get(reverse("capabilities:dashboard", kwargs={"pk": pk})).content.decode()
    assert "<script>alert" not in body


def _all_get_responses(world: dict, persona: str):
    client = _client(world, persona)
    for name, rule in ACCESS.items():
        if rule.method != "GET":
            continue
        _set_state(world, Status.VALIDATED if "bulk" not in name else rule.state)
        response = _call(client, name, rule, world)
        content = b"".join(response.streaming_content) if response.streaming else response.content
        yield name, response, content


def test_no_response_to_country_b_contains_country_a_data(world):
    for name, response, content in _all_get_responses(world, "focal_b"):
        assert MARKER.encode() not in content, name
        if response.get("Content-Type", "").startswith("application/zip"):
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                assert not any("GHA" in n or "Ghana" in n for n in archive.namelist())
    assert not any(MARKER in m.body for m in mail.outbox if "focal_b" in ",".join(m.to))


def test_country_a_own_pages_do_show_its_data_so_the_marker_check_can_fail(world, client):
    client.force_login(world["focal_a"])
    pk = world["assessment_a"].pk
    body = client.get(reverse("capabilities:domain", kwargs={"pk": pk, "code": "D1"})).content
    assert MARKER.encode() in body


def test_repeated_failed_sign_ins_lock_the_account_for_a_while(focal_a, settings):
    settings.AXES_ENABLED = True
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "focal_a", "password": "wrong"})
    locked = client.post(
        reverse("login"), {"username": "focal_a", "password": "correct horse battery staple"}
    )
    assert locked.status_code == 429
    assert "Too many failed sign-in attempts" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_exact_aggregates_are_for_the_secretariat_and_commands_only(
    focal_a, contributor_a, analyst, admin_user, settings
):
    from capabilities.permissions import aggregate_min_cell

    settings.MRN_MIN_CELL = 7
    assert [aggregate_min_cell(u) for u in (focal_a, contributor_a)] == [7, 7]
    assert [aggregate_min_cell(u) for u in (analyst, admin_user, None)] == [None, None, None]
