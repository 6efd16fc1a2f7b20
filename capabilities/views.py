"""Pages of the capabilities app: home, language switch, health check, and the questionnaire and
review workflow (issue 3): country dashboard, domain pages with autosave, check your answers and
submit, answer history, analysts' queue, list and review page.

Every view authorises through capabilities.permissions first (404 for an assessment the user may
not read, 403 for a change they may not make), reads through capabilities.questionnaire and writes
through capabilities.services.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any, cast
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.functional import empty
from django.utils.html import json_script
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from reports import links

from . import caching, consistency, permissions, question_html, questionnaire, services, values
from .forms import (
    AnswerForm,
    ReturnForm,
    ReviewCommentForm,
    ValidateForm,
    answer_content,
    initial_for,
    lean_content,
)
from .models import (
    Answer,
    AnswerChange,
    Assessment,
    Country,
    Cycle,
    Domain,
    IncomeGroup,
    MaturityPhase,
    Profile,
    Question,
    Region,
    ReviewComment,
    Status,
    cycles_newest_first,
)
from .permissions import AuthenticatedRequest
from .question_html import QuestionItem
from .services import StaleAnswer


def home(request: HttpRequest) -> HttpResponse:
    """Tells each role where to go."""
    user = request.user
    context: dict[str, object] = {"role": permissions.role_of(user)}
    country = permissions.country_of(user)
    if country is not None:
        context["assessments"] = list(
            permissions.visible_assessments(user)
            .select_related("cycle")
            .with_progress()
            .annotate(question_total=_question_total())
            .order_by(*cycles_newest_first("cycle__"))
        )
        context["shared_profiles"] = list(
            Country.objects.filter(shares_profile=True).exclude(pk=country.pk)
        )
    if permissions.is_analyst(user):
        context["submitted_count"] = Assessment.objects.submitted().count()
        context["cycles"] = list(Cycle.objects.all())
    return render(request, "capabilities/home.html", context)


@login_not_required
@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switches the interface language; saved in the profile (signed in) and a cookie."""
    lang = request.POST.get("language", "")
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    if lang in dict(settings.LANGUAGES):
        translation.activate(lang)
        profile = permissions.profile_of(request.user)
        if profile is None and request.user.is_authenticated:
            profile = Profile.objects.create(user=request.user)
        if profile is not None and profile.language != lang:
            profile.language = lang
            profile.save(update_fields=["language"])
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            lang,
            max_age=365 * 24 * 3600,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
        )
    return response


@login_not_required
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """For load balancers: 200 when the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


# ---------------------------------------------------------------------------------------------
# Questionnaire and workflow


def _question_total() -> Subquery:
    """Annotation: how many questions the assessment's framework has (for progress)."""
    counted = (
        Question.objects.filter(framework_id=OuterRef("cycle__framework_id"))
        .order_by()
        .values("framework_id")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    return Subquery(counted, output_field=IntegerField())


def _time(moment: datetime | None) -> str:
    return date_format(timezone.localtime(moment), "H:i") if moment else ""


def _when(moment: datetime | None) -> str:
    return date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT") if moment else ""


def _next_step(
    assessment: Assessment, *, missing: int, returned: bool, may_submit: bool, may_edit: bool
) -> str:
    if assessment.status == Status.VALIDATED:
        return _("The Alliance has validated this assessment. Nothing more to do.")
    if assessment.status == Status.SUBMITTED:
        return _("Submitted: the Alliance secretariat is reviewing it. It is read-only meanwhile.")
    if not may_edit:
        return _("You can read this assessment but not change it.")
    prefix = _("Returned by the Alliance: read the reason and the comments, correct, then ")
    if missing:
        step = ngettext(
            "answer the %(count)s required question still missing.",
            "answer the %(count)s required questions still missing.",
            missing,
        ) % {"count": missing}
    elif may_submit:
        step = _("check your answers and submit.")
    else:
        step = _("ask your focal point to check the answers and submit.")
    if returned:
        return prefix + step
    return step[:1].upper() + step[1:]


@require_GET
def dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    """The country's task list: each domain with its status and progress, and what to do next."""
    user = request.user
    assessment = permissions.get_assessment_for_user(user, pk)
    codes = permissions.editable_domain_codes(user, assessment)
    progress = questionnaire.domain_progress(assessment, editable_codes=codes)
    history = questionnaire.status_history(assessment)
    returned = questionnaire.return_reason(history, assessment)
    may_edit = permissions.can_edit_assessment(user, assessment)
    may_submit = permissions.can_submit(user, assessment)
    missing = sum(row.required_missing for row in progress)
    context = {
        "assessment": assessment,
        "illustrative": assessment.cycle.is_illustrative,
        "progress": progress,
        "answered": sum(row.answered for row in progress),
        "total": sum(row.total for row in progress),
        "missing": missing,
        "history": history,
        "returned": returned,
        "comments": questionnaire.review_comments(assessment),
        "recent": questionnaire.recent_changes(assessment),
        "may_edit": may_edit,
        "may_submit": may_submit,
        "may_review": permissions.can_review(user, assessment),
        "may_offline": permissions.can_use_offline_questionnaire(user, assessment),
        "may_prefill": permissions.can_prefill_from_previous(user, assessment),
        "downloads": links.country_report_links(assessment.cycle, assessment.country),
        "next_step": _next_step(
            assessment,
            missing=missing,
            returned=returned is not None,
            may_submit=may_submit,
            may_edit=may_edit,
        ),
    }
    return render(request, "capabilities/dashboard.html", context)


def _conflict(question: Question, stale: StaleAnswer) -> dict[str, object]:
    return {
        "value": stale.current_value,
        "display": values.display(question, stale.current_value) or _("(no answer)"),
        "comment": stale.current_comment,
        "evidence": stale.current_evidence,
        "saved_by": stale.saved_by,
        "saved_at": _when(stale.saved_at),
        "version": stale.current_version,
    }


@dataclass(frozen=True)
class Frame:
    """What the questionnaire pages show that depends only on the framework version and the
    language: domains, generic maturity phases, each domain's questions grouped by capability
    (with the capabilities' texts) and the questions' pre-rendered skeletons
    (capabilities/question_html.py). Built once per process and framework generation
    (caching.local); shared by requests, so never changed."""

    domains: tuple[Domain, ...]
    phases: dict[int, MaturityPhase]
    questions: dict[str, tuple[Question, ...]]  # by domain code, in order
    groups: dict[str, tuple[dict[str, object], ...]]  # by domain code: capability, texts, ids
    js_strings: str  # the autosave script's messages, as json_script writes them


def _frame(assessment: Assessment) -> Frame:
    framework_id = assessment.cycle.framework_id
    lang = translation.get_language() or settings.LANGUAGE_CODE
    return caching.local(f"frame:{framework_id}:{lang}", partial(_build_frame, framework_id))


def _build_frame(framework_id: int) -> Frame:
    domains = tuple(Domain.objects.filter(framework_id=framework_id))
    phases = {p.number: p for p in MaturityPhase.objects.filter(framework_id=framework_id)}
    by_domain: dict[str, list[Question]] = {d.code: [] for d in domains}
    for question in questionnaire.questions_of_framework(framework_id):
        by_domain.setdefault(question.capability.domain.code, []).append(question)
    groups: dict[str, tuple[dict[str, object], ...]] = {}
    for code, questions in by_domain.items():
        found: list[dict[str, Any]] = []
        for question in questions:
            capability = question.capability
            if not found or found[-1]["capability"] != capability:
                found.append(
                    {
                        "capability": capability,
                        "description": capability.tr("description"),
                        "in_place": capability.tr("in_place"),
                        "ids": [],
                    }
                )
            found[-1]["ids"].append(question.pk)
        groups[code] = tuple(found)
    return Frame(
        domains=domains,
        phases=phases,
        questions={code: tuple(qs) for code, qs in by_domain.items()},
        groups=groups,
        js_strings=json_script(_js_strings(), "questionnaire-strings"),
    )


def _skeletons(
    assessment: Assessment, frame: Frame, domain: Domain
) -> dict[int, question_html.Skeleton | None]:
    lang = translation.get_language() or settings.LANGUAGE_CODE
    return question_html.skeletons(
        frame.questions[domain.code],
        frame.phases,
        key=f"{assessment.cycle.framework_id}:{lang}:{domain.code}",
    )


def _known_country(user: object, assessment: Assessment) -> None:
    """The navigation links the user's own country profile: it is the assessment's country
    (already read) for the country's team, so the menu does not read it again."""
    profile = permissions.profile_of(user)  # type: ignore[arg-type]
    if profile is not None and profile.country_id == assessment.country_id:
        profile.country = assessment.country


@dataclass
class Section:
    """One domain on a questionnaire page: its capability groups of items."""

    domain: Domain
    editable: bool
    groups: list[dict[str, object]]
    items: list[QuestionItem]

    @property
    def prefilled_count(self) -> int:
        return sum(1 for i in self.items if i.answer and i.answer.prefilled_from_id)


def _sections(
    assessment: Assessment,
    frame: Frame,
    domains: list[tuple[Domain, bool]],
    answers: dict[int, Answer],
    comments: dict[int, list[ReviewComment]],
    outcome: SaveOutcome | None,
) -> list[Section]:
    """The items of each domain: editable questions from their skeletons (the template renders
    the read-only ones, and those shown with an error, a conflict or a note after a POST)."""
    sections = []
    for domain, editable in domains:
        skeletons = _skeletons(assessment, frame, domain) if editable else {}
        by_pk = {q.pk: q for q in frame.questions[domain.code]}
        groups, items = [], []
        for group in frame.groups[domain.code]:
            group_items = []
            for pk in group["ids"]:  # type: ignore[attr-defined]
                question = by_pk[pk]
                answer = answers.get(pk)
                noted = outcome is not None and (
                    pk in outcome.bound
                    or pk in outcome.saved
                    or pk in outcome.conflicts
                    or pk in outcome.meanwhile
                )
                skeleton = skeletons.get(pk)
                if skeleton is not None and not noted:
                    shown = QuestionItem(
                        question=question,
                        answer=answer,
                        form=None,
                        display="",
                        comments=comments.get(pk, []),
                    )
                    shown.html = question_html.fill(
                        skeleton,
                        question=question,
                        assessment_pk=assessment.pk,
                        answer=answer,
                        comments=shown.comments,
                    )
                else:
                    form = None
                    if editable:
                        form = (outcome.bound.get(pk) if outcome else None) or AnswerForm(
                            question=question, initial=initial_for(question, answer)
                        )
                    shown = question_html.item(question, answer, form, comments, frame.phases)
                    if outcome:
                        shown.saved = pk in outcome.saved
                        shown.conflict = outcome.conflicts.get(pk)
                        shown.updated_meanwhile = outcome.meanwhile.get(pk, "")
                group_items.append(shown)
            # All pre-rendered (the usual case): the template writes them at once, not one by one.
            pieces = [i.html for i in group_items if i.html]
            joined = (
                mark_safe("".join(pieces))  # noqa: S308 (filled escaped)
                if len(pieces) == len(group_items)
                else None
            )
            groups.append({**group, "items": group_items, "items_html": joined})
            items += group_items
        sections.append(Section(domain=domain, editable=editable, groups=groups, items=items))
    return sections


def _page_context(
    assessment: Assessment, frame: Frame, sections: list[Section], outcome: SaveOutcome | None
) -> dict[str, object]:
    items = [i for section in sections for i in section.items]
    error_forms = [
        (i, i.form) for i in items if i.form is not None and i.form.is_bound and i.form.errors
    ]
    error_items = [i for i, _form in error_forms]
    return {
        "error_links": [
            {"anchor": form.anchor(name), "label": i.question.label, "message": message}
            for i, form in error_forms
            for name, errors in form.errors.items()
            if name in form.fields
            for message in errors
        ],
        "js_strings": frame.js_strings,
        "assessment": assessment,
        "illustrative": assessment.cycle.is_illustrative,
        "domains": frame.domains,
        "sections": sections,
        "locked": assessment.is_locked_for_country,
        "outcome": outcome,
        "error_items": error_items,
        "conflict_items": [i for i in items if i.conflict],
        "saved_items": [i for i in items if i.saved],
    }


def _saved_message(request: HttpRequest, outcome: SaveOutcome) -> None:
    if outcome.saved:
        messages.success(
            request,
            ngettext("%(count)s answer saved.", "%(count)s answers saved.", len(outcome.saved))
            % {"count": len(outcome.saved)},
        )
    else:
        messages.info(request, _("Nothing had changed: no answer was saved."))


def domain_page(request: AuthenticatedRequest, pk: int, code: str) -> HttpResponse:
    """One domain's questions, grouped by capability. A plain form: Save works without JS.

    Queries (GET): the assessment (with country, cycle, framework), the domain's answers (with
    who saved them), its review comments; besides the session's. Domains, phases, questions and
    their pre-rendered HTML come from the process (caching.local), the user's country from the
    assessment."""
    user = request.user
    assessment = permissions.get_assessment_for_user(user, pk)
    _known_country(user, assessment)
    frame = _frame(assessment)
    domain = next((d for d in frame.domains if d.code == code), None)
    if domain is None:
        raise Http404("No such domain.")
    editable = permissions.can_edit_domain(user, assessment, domain)
    if request.method == "POST":
        permissions.require_edit_domain(user, assessment, domain)
    elif request.method != "GET":
        return HttpResponseNotAllowed(["GET", "POST"])
    questions = frame.questions[domain.code]
    answers = questionnaire.answers_by_question(assessment, questions)
    try:
        outcome = (
            _save_posted(request, assessment, questions, answers)
            if request.method == "POST"
            else None
        )
    except services.NotEditable as exc:
        messages.error(request, str(exc))
        return redirect("capabilities:domain", pk=assessment.pk, code=domain.code)
    if outcome is not None and not outcome.errors and not outcome.conflicts:
        _saved_message(request, outcome)
        return redirect(_after_save(request, assessment, domain, list(frame.domains)))
    comments = questionnaire.review_comments_by_question(assessment, questions)
    sections = _sections(assessment, frame, [(domain, editable)], answers, comments, outcome)
    index = frame.domains.index(domain)
    context = _page_context(assessment, frame, sections, outcome)
    context.update(
        {
            "domain_description": domain.tr("description"),
            "domain": domain,
            "next_domain": frame.domains[index + 1] if index + 1 < len(frame.domains) else None,
            "groups": sections[0].groups,
            "editable": editable,
            "prefilled_count": sections[0].prefilled_count,
        }
    )
    return render(request, "capabilities/domain.html", context)


def questionnaire_all(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Every domain's questions on one page (for slow or filtered networks: load once, fill in,
    save once). One form: Save works without JS and saves every changed answer the user may
    change in one call of services.answers_save_page; the autosave works as on a domain page.
    The domains the user may not change are shown read-only.

    Queries (GET): the assessment, its answers, its review comments (besides the session's)."""
    user = request.user
    assessment = permissions.get_assessment_for_user(user, pk)
    _known_country(user, assessment)
    frame = _frame(assessment)
    domains = [(d, permissions.can_edit_domain(user, assessment, d)) for d in frame.domains]
    if request.method == "POST":
        permissions.require_edit_some_domain(user, assessment, frame.domains)
    elif request.method != "GET":
        return HttpResponseNotAllowed(["GET", "POST"])
    answers = questionnaire.answers_by_question(assessment)
    editable_questions = [q for d, editable in domains if editable for q in frame.questions[d.code]]
    try:
        outcome = (
            _save_posted(request, assessment, editable_questions, answers)
            if request.method == "POST"
            else None
        )
    except services.NotEditable as exc:
        messages.error(request, str(exc))
        return redirect("capabilities:questionnaire_all", pk=assessment.pk)
    if outcome is not None and not outcome.errors and not outcome.conflicts:
        _saved_message(request, outcome)
        if request.POST.get("action") == "continue":
            return redirect("capabilities:check_answers", pk=assessment.pk)
        return redirect("capabilities:questionnaire_all", pk=assessment.pk)
    comments = questionnaire.review_comments_by_question(assessment)  # (not needed to save)
    sections = _sections(assessment, frame, domains, answers, comments, outcome)
    context = _page_context(assessment, frame, sections, outcome)
    context["editable"] = any(editable for _d, editable in domains)
    return render(request, "capabilities/questionnaire_all.html", context)


def _js_strings() -> dict[str, str]:
    """Messages of static/js/questionnaire.js, translated here (passed with json_script)."""
    return {
        "saving": _("Saving…"),
        "saved_at": _("Saved at %(time)s"),
        "retrying": _("Not saved – retrying"),
        "offline": _(
            "Offline – your answer is kept in this page and will be sent when the connection "
            "returns"
        ),
        "invalid": _("Not saved – check this answer"),
        "forbidden": _("Not saved – you cannot change this answer now. Reload the page."),
        "signed_out": _(
            "Not saved – you are signed out. Sign in again: your answer is kept in this browser "
            "and sent when you come back to this page."
        ),
        "stale": _("%(who)s saved a newer answer at %(when)s. Your answer was not saved."),
        "their_answer": _("Their answer"),
        "their_comment": _("Their comment"),
        "their_evidence": _("Their evidence links"),
        "no_answer": _("(no answer)"),
        "keep_mine": _("Keep mine"),
        "use_theirs": _("Use theirs"),
        "using_theirs": _("Showing the answer saved by %(who)s."),
        "unsaved_warning": _("Some answers are not saved yet."),
        "restored": _("Restored an answer you had not sent yet."),
        "discard": _("Discard my change"),
    }


def _after_save(
    request: HttpRequest, assessment: Assessment, domain: Domain, domains: list[Domain]
) -> str:
    if request.POST.get("action") == "continue":
        codes = [d.code for d in domains]
        index = codes.index(domain.code)
        if index + 1 < len(codes):
            return reverse("capabilities:domain", args=[assessment.pk, codes[index + 1]])
        return reverse("capabilities:check_answers", args=[assessment.pk])
    return reverse("capabilities:domain", args=[assessment.pk, domain.code])


@dataclass
class SaveOutcome:
    saved: set[int] = field(default_factory=set)
    errors: set[int] = field(default_factory=set)
    conflicts: dict[int, dict[str, object]] = field(default_factory=dict)
    bound: dict[int, AnswerForm] = field(default_factory=dict)
    meanwhile: dict[int, str] = field(default_factory=dict)


def _save_posted(
    request: AuthenticatedRequest,
    assessment: Assessment,
    questions: Sequence[Question],
    answers: dict[int, Answer],
) -> SaveOutcome:
    """Saves every valid posted answer, each on its own; collects errors and stale saves.

    A stale save is a conflict only when the user changed the answer: if what they posted is what
    the answer was at the version their form was built from, the newer answer simply stays.
    Plainly valid answers are read without a form (forms.lean_content); a bound AnswerForm is
    built only for the others, and gives their errors.
    """
    user = request.user
    wrapped = getattr(user, "_wrapped", empty)
    if wrapped is not empty:  # the user itself, not its lazy proxy: 200 rows refer to it
        user = cast(User, wrapped)
    data = request.POST
    outcome = SaveOutcome()
    keep_mine = data.get("keep_mine", "")
    use_theirs = data.get("use_theirs", "")
    stale: dict[int, tuple[tuple[str, str, list[str]], StaleAnswer, int]] = {}
    entries: list[services.Entry] = []
    posted: dict[int, tuple[tuple[str, str, list[str]], int]] = {}
    for question in questions:
        if f"q{question.pk}-version" not in data or str(question.pk) == use_theirs:
            continue  # not on the posted page (or the newer answer was chosen)
        lean = lean_content(question, data)
        if lean is None:
            form = AnswerForm(data, question=question)
            if not form.is_valid():
                outcome.errors.add(question.pk)
                outcome.bound[question.pk] = form
                continue
            lean = (
                form.content(),
                form.cleaned_data["version"],
                form.cleaned_data.get("theirs_version"),
            )
        content, base, theirs = lean
        if answer_content(answers.get(question.pk)) == content:
            continue  # nothing to save, and nothing to overwrite
        if keep_mine == str(question.pk) and theirs:
            base = theirs
        value, comment, evidence = content
        entries.append(services.Entry(question, value, comment, tuple(evidence), base))
        posted[question.pk] = (content, base)
    if entries:
        # One service call for the page: the assessment is locked once and refused as a whole
        # if it was submitted meanwhile (services.NotEditable, handled by the view).
        page = services.answers_save_page(
            assessment=assessment, user=user, entries=entries, source="web"
        )
        for question_id, result in page.results.items():
            if result.stale is not None:
                content, base = posted[question_id]
                stale[question_id] = (content, result.stale, base)
                answers[question_id] = result.stale.answer
            elif result.changed:
                outcome.saved.add(question_id)
                answers[question_id] = result.answer  # type: ignore[assignment]
    if stale:
        wanted = Q(pk__in=[])
        for _content, item, base in stale.values():
            wanted |= Q(answer_id=item.answer.pk, version=base)
        originals = {
            (c.answer_id, c.version): (c.new_value, c.new_comment, list(c.new_evidence))
            for c in AnswerChange.objects.filter(wanted)
        }
        by_pk = {q.pk: q for q in questions}
        for question_id, (content, item, base) in stale.items():
            original = originals.get((item.answer.pk, base), ("", "", []))
            if content == original:
                outcome.meanwhile[question_id] = item.saved_by
                continue  # the user did not touch it: show the newer answer
            changed = data.copy()
            changed[f"q{question_id}-theirs_version"] = str(item.current_version)
            outcome.bound[question_id] = AnswerForm(changed, question=by_pk[question_id])
            outcome.conflicts[question_id] = _conflict(by_pk[question_id], item)
    return outcome


@require_POST
def answer_save(request: AuthenticatedRequest, pk: int, question_id: int) -> JsonResponse:
    """Autosave of one answer (JSON). 200 saved, 400 invalid, 409 stale (with the newer answer),
    403 not allowed (``{"status": "locked"}`` when submitted meanwhile), 404 not visible."""
    user = request.user
    assessment = permissions.get_assessment_for_user(user, pk, write=True)
    question = get_object_or_404(
        Question.objects.select_related("capability__domain").prefetch_related("options"),
        pk=question_id,
        framework_id=assessment.cycle.framework_id,
    )
    permissions.require_edit_question(user, assessment, question)
    form = AnswerForm(request.POST, question=question)
    if not form.is_valid():
        return JsonResponse(
            {
                "status": "invalid",
                "errors": {name: [str(e) for e in errs] for name, errs in form.errors.items()},
            },
            status=400,
        )
    value, comment, evidence = form.content()
    try:
        result = services.answer_save(
            assessment=assessment,
            question=question,
            value=value,
            comment=comment,
            evidence=evidence,
            user=user,
            base_version=form.cleaned_data["version"],
        )
    except services.NotEditable as exc:  # submitted since the page was loaded
        return JsonResponse({"status": "locked", "message": str(exc)}, status=403)
    if result.stale is not None:
        stale = result.stale
        if (stale.current_value, stale.current_comment, stale.current_evidence) == (
            value,
            comment,
            evidence,
        ):
            result = services.SaveResult(answer=stale.answer, changed=False)
        else:
            conflict = _conflict(question, stale)
            conflict["values"] = values.split_multiple(stale.current_value)
            return JsonResponse(
                {
                    "status": "stale",
                    "version": stale.current_version,
                    "theirs": conflict,
                    "message": _(
                        "%(who)s saved a newer answer at %(when)s. Your answer was not saved."
                    )
                    % {"who": stale.saved_by, "when": conflict["saved_at"]},
                },
                status=409,
            )
    answer = result.answer
    return JsonResponse(
        {
            "status": "saved",
            "changed": result.changed,
            "version": answer.version if answer else 0,
            "saved_at": answer.updated_at.isoformat() if answer else "",
            "saved_at_display": _time(answer.updated_at if answer else timezone.now()),
            "display": values.display(question, value),
        }
    )


@require_GET
def check_answers(request: HttpRequest, pk: int) -> HttpResponse:
    """Every answer with a change link, the unanswered required questions, then Submit."""
    user = request.user
    assessment = permissions.get_assessment_for_user(user, pk)
    questions = questionnaire.questions_of(assessment)
    answers = questionnaire.answers_by_question(assessment)
    comments = questionnaire.review_comments_by_question(assessment)
    missing = values.required_missing(
        questions, {qid: answer.value for qid, answer in answers.items()}
    )
    context = {
        "assessment": assessment,
        "illustrative": assessment.cycle.is_illustrative,
        "domains": _by_domain(questions, answers, comments),
        "missing": missing,
        "findings": _consistency(assessment, questions, answers),
        "may_submit": permissions.can_submit(user, assessment),
        "may_edit": permissions.can_edit_assessment(user, assessment),
    }
    return render(request, "capabilities/check_answers.html", context)


def _consistency(
    assessment: Assessment, questions: list[Question], answers: dict[int, Answer]
) -> list[dict[str, object]]:
    """The framework's consistency rules the answers break (warnings: saving is never
    blocked), each with the questions involved for links. No query."""
    by_code = {q.code: q for q in questions}
    capability_codes = list(dict.fromkeys(q.capability.code for q in questions))
    found = consistency.check(
        consistency.parse_rules(assessment.cycle.framework.consistency_rules),
        capability_codes,
        {q.code: answers[q.pk].value for q in questions if q.pk in answers},
        lang=translation.get_language()[:2] if translation.get_language() else "en",
    )
    return [
        {"finding": f, "questions": [by_code[c] for c in f.question_codes if c in by_code]}
        for f in found
    ]


def _by_domain(
    questions: list[Question],
    answers: dict[int, Answer],
    comments: dict[int, list[ReviewComment]],
) -> list[dict[str, object]]:
    domains: list[dict[str, Any]] = []
    for question in questions:
        domain = question.capability.domain
        if not domains or domains[-1]["domain"] != domain:
            domains.append({"domain": domain, "items": []})
        answer = answers.get(question.pk)
        domains[-1]["items"].append(
            QuestionItem(
                question=question,
                answer=answer,
                form=None,
                display=values.display(question, answer.value) if answer else "",
                comments=comments.get(question.pk, []),
            )
        )
    return domains


@require_POST
def submit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    user = request.user
    assessment = permissions.get_assessment_for_user(user, pk)
    permissions.require_submit(user, assessment)
    try:
        services.assessment_submit(assessment=assessment, user=user)
    except services.WorkflowError as exc:
        messages.error(request, str(exc))
        return redirect("capabilities:check_answers", pk=assessment.pk)
    messages.success(
        request,
        _("Assessment submitted. The Alliance secretariat will review it; it is read-only now."),
    )
    return redirect("capabilities:dashboard", pk=assessment.pk)


@require_GET
def answer_history_page(request: HttpRequest, pk: int, question_id: int) -> HttpResponse:
    """Every change of one answer: old and new value, comment, evidence, who and when."""
    user = request.user
    assessment = permissions.get_assessment_for_user(user, pk)
    question = get_object_or_404(
        Question.objects.select_related("capability__domain").prefetch_related("options"),
        pk=question_id,
        framework_id=assessment.cycle.framework_id,
    )
    changes = [
        {
            "change": change,
            "old": values.display(question, change.old_value),
            "new": values.display(question, change.new_value),
            "comment_changed": change.old_comment != change.new_comment,
            "evidence_changed": list(change.old_evidence) != list(change.new_evidence),
            "who": questionnaire.user_label(change.changed_by),
        }
        for change in questionnaire.answer_history(assessment, question)
    ]
    context = {
        "assessment": assessment,
        "illustrative": assessment.cycle.is_illustrative,
        "question": question,
        "changes": changes,
        "threads": questionnaire.comment_threads(assessment, question),
    }
    return render(request, "capabilities/answer_history.html", context)


# ---------------------------------------------------------------------------------------------
# Analysts

SORTS = {
    "country": "country__name_en",
    "status": "status",
    "progress": "answered_count",
    "updated": "updated_at",
    "submitted": "submitted_at",
}


@require_GET
def review_queue(request: HttpRequest) -> HttpResponse:
    """Submitted assessments waiting for review, oldest submission first."""
    rows = list(
        questionnaire.with_list_columns(permissions.review_queue(request.user))
        .annotate(
            question_total=_question_total(),
            submission_count=Count(
                "status_changes",
                filter=Q(status_changes__to_status=Status.SUBMITTED),
                distinct=True,
            ),
        )
        .order_by("submitted_at", "pk")
    )
    return render(request, "capabilities/review_queue.html", {"rows": rows})


@require_GET
def assessment_list(request: HttpRequest) -> HttpResponse:
    """All assessments of a cycle with status and progress; filter by status, income group,
    region; sort by any column."""
    permissions.require_analyst(request.user)
    cycles = list(Cycle.objects.all())
    if not cycles:
        return render(request, "capabilities/assessment_list.html", {"cycles": []})
    by_code = {c.code: c for c in cycles}
    cycle = by_code.get(request.GET.get("cycle", ""), cycles[0])
    rows = questionnaire.with_list_columns(permissions.cycle_assessments(request.user, cycle))
    chosen = {
        "status": request.GET.get("status", ""),
        "income_group": request.GET.get("income_group", ""),
        "region": request.GET.get("region", ""),
    }
    if chosen["status"] in Status.values:
        rows = rows.filter(status=chosen["status"])
    if chosen["income_group"] in IncomeGroup.values:
        # income_group, region: annotations of with_list_columns, which the plugin cannot see.
        rows = rows.filter(income_group=chosen["income_group"])  # type: ignore[misc]
    if chosen["region"] in Region.values:
        rows = rows.filter(region=chosen["region"])  # type: ignore[misc]
    sort = request.GET.get("sort", "country")
    key = SORTS.get(sort.lstrip("-"), SORTS["country"])
    descending = sort.startswith("-")
    rows = rows.order_by(
        F(key).desc(nulls_last=True) if descending else F(key).asc(nulls_last=True),
        "country__name_en",
    )
    total = Question.objects.filter(framework_id=cycle.framework_id).count()
    query = {k: v for k, v in chosen.items() if v}
    columns = []
    for name, label in (
        ("country", _("Country")),
        ("status", _("Status")),
        ("progress", _("Answered")),
        ("updated", _("Last change")),
        ("submitted", _("Submitted")),
    ):
        current = sort.lstrip("-") == name
        next_sort = f"-{name}" if current and not descending else name
        columns.append(
            {
                "label": label,
                "query": urlencode({"cycle": cycle.code, **query, "sort": next_sort}),
                "aria_sort": ("descending" if descending else "ascending") if current else "",
            }
        )
    context = {
        "cycles": cycles,
        "cycle": cycle,
        "illustrative": cycle.is_illustrative,
        "rows": list(rows),
        "total": total,
        "chosen": chosen,
        "sort": sort,
        "columns": columns,
        "statuses": Status.choices,
        "income_groups": IncomeGroup.choices,
        "regions": Region.choices,
    }
    return render(request, "capabilities/assessment_list.html", context)


@require_GET
def review(request: HttpRequest, pk: int) -> HttpResponse:
    """The analyst's review of an assessment: answers, comments per answer, return or validate."""
    user = request.user
    assessment = permissions.get_assessment_for_user(user, pk)
    permissions.require_analyst(user)
    return _render_review(request, assessment)


def _render_review(
    request: HttpRequest,
    assessment: Assessment,
    *,
    return_form: ReturnForm | None = None,
    comment_form: ReviewCommentForm | None = None,
    validate_form: ValidateForm | None = None,
    status: int = 200,
) -> HttpResponse:
    questions = questionnaire.questions_of(assessment)
    answers = questionnaire.answers_by_question(assessment)
    comments = questionnaire.review_comments_by_question(assessment)
    missing = values.required_missing(
        questions, {qid: answer.value for qid, answer in answers.items()}
    )
    history = questionnaire.status_history(assessment)
    context = {
        "assessment": assessment,
        "illustrative": assessment.cycle.is_illustrative,
        "domains": _by_domain(questions, answers, comments),
        "missing": missing,
        "findings": _consistency(assessment, questions, answers),
        "history": history,
        "may_review": permissions.can_review(request.user, assessment),
        "return_form": return_form or ReturnForm(),
        "validate_form": validate_form or ValidateForm(),
        "comment_form": comment_form,
    }
    return render(request, "capabilities/review.html", context, status=status)


@require_POST
def review_comment(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    user = request.user
    assessment = permissions.get_assessment_for_user(user, pk)
    permissions.require_review(user, assessment)
    form = ReviewCommentForm(request.POST)
    if not form.is_valid():
        return _render_review(request, assessment, comment_form=form, status=400)
    question = get_object_or_404(
        Question, pk=form.cleaned_data["question"], framework_id=assessment.cycle.framework_id
    )
    services.review_comment_add(
        assessment=assessment, question=question, user=user, text=form.cleaned_data["text"]
    )
    messages.success(request, _("Comment added. The country sees it beside the answer."))
    return redirect(reverse("capabilities:review", args=[assessment.pk]) + f"#q-{question.code}")


@require_POST
def return_assessment(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    user = request.user
    assessment = permissions.get_assessment_for_user(user, pk)
    permissions.require_review(user, assessment)
    form = ReturnForm(request.POST)
    if not form.is_valid():
        return _render_review(request, assessment, return_form=form, status=400)
    try:
        services.assessment_return(
            assessment=assessment, user=user, reason=form.cleaned_data["reason"]
        )
    except (ValidationError, services.WorkflowError) as exc:
        form.add_error("reason", exc.messages if isinstance(exc, ValidationError) else str(exc))
        return _render_review(request, assessment, return_form=form, status=400)
    messages.success(request, _("Assessment returned to the country as a draft."))
    return redirect("capabilities:review_queue")


@require_POST
def validate_assessment(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    user = request.user
    assessment = permissions.get_assessment_for_user(user, pk)
    permissions.require_review(user, assessment)
    form = ValidateForm(request.POST)
    if not form.is_valid():  # e.g. a note over the limit: keep it and say why
        return _render_review(request, assessment, validate_form=form, status=400)
    try:
        services.assessment_validate(
            assessment=assessment, user=user, reason=form.cleaned_data.get("reason", "")
        )
    except services.WorkflowError as exc:
        messages.error(request, str(exc))
        return redirect("capabilities:review", pk=assessment.pk)
    messages.success(request, _("Assessment validated."))
    return redirect("capabilities:review_queue")
