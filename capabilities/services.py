"""Writes: saving answers (with history and stale-save refusal) and moving assessments through the
workflow. Every function is keyword-only, runs in one transaction, and is used by views, commands
and tests alike. Access rules are checked by the caller through capabilities.permissions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import (
    Answer,
    AnswerChange,
    Assessment,
    Country,
    Cycle,
    Invitation,
    Participation,
    Profile,
    Question,
    ReviewComment,
    Role,
    Status,
    StatusChange,
    cycles_newest_first,
)


class WorkflowError(Exception):
    """A status change that is not allowed from the assessment's current status."""


@dataclass(frozen=True)
class StaleAnswer:
    """Returned instead of saving when the answer changed since the user loaded it."""

    answer: Answer
    current_value: str
    current_comment: str
    current_evidence: list[str]
    saved_by: str
    saved_at: datetime | None
    current_version: int


@dataclass(frozen=True)
class SaveResult:
    answer: Answer | None
    changed: bool
    stale: StaleAnswer | None = None


def _display_name(user: User | None) -> str:
    if user is None:
        return _("someone")
    full = user.get_full_name() if hasattr(user, "get_full_name") else ""
    return full or user.get_username()


def assessment_get_or_create(*, country: Country, cycle: Cycle) -> Assessment:
    """The country's assessment in the cycle, created (not started) if missing."""
    assessment, _created = Assessment.objects.get_or_create(country=country, cycle=cycle)
    return assessment


class NotEditable(WorkflowError):
    """The assessment's answers cannot change in its current status (submitted, validated)."""


# Statuses in which answers may be written, per source. Imports (past surveys, administrators)
# write into the validated assessments they create; every other source needs a live draft.
EDITABLE = (Status.NOT_STARTED, Status.DRAFT)
SOURCE_OFFLINE_FILE = "offline_file"
SOURCE_PREVIOUS_CYCLE = "previous_cycle"
SOURCES = ("web", "import", SOURCE_OFFLINE_FILE, SOURCE_PREVIOUS_CYCLE, "demo")


@dataclass(frozen=True)
class Entry:
    """One answer to save in ``answers_save_page``.

    ``value`` is canonical (capabilities.values.normalise); ``comment`` and ``evidence`` replace
    the answer's. ``base_version`` is the answer version the user's form or file was built from:
    0 for "there was no answer", None to skip the check (imports).
    """

    question: Question
    value: str
    comment: str = ""
    evidence: tuple[str, ...] | list[str] = ()
    base_version: int | None = None


@dataclass(frozen=True)
class PageResult:
    """Per question pk, the SaveResult of each entry (stale ones have ``stale`` set)."""

    results: dict[int, SaveResult]

    @property
    def changed(self) -> list[int]:
        return [pk for pk, r in self.results.items() if r.changed]

    @property
    def stale(self) -> dict[int, StaleAnswer]:
        return {pk: r.stale for pk, r in self.results.items() if r.stale is not None}


def lock_editable(assessment: Assessment, *, source: str = "web") -> Assessment:
    """Locks the assessment row (SELECT … FOR UPDATE) and refuses with NotEditable unless its
    answers may change now. Call inside a transaction, before reading anything it guards."""
    _lock(assessment)
    allowed = (Status.VALIDATED, Status.NOT_STARTED) if source == "import" else EDITABLE
    if assessment.status not in allowed:
        raise NotEditable(
            _(
                "This assessment is no longer a draft (it was submitted or validated): its "
                "answers cannot be changed now."
            )
        )
    return assessment


@transaction.atomic
def answers_save_page(
    *,
    assessment: Assessment,
    user: User | None,
    entries: Sequence[Entry],
    source: str = "web",
) -> PageResult:
    """Saves a page of answers in a fixed number of queries, all or nothing per entry.

    Locks the assessment row once and refuses the whole page (NotEditable, nothing written)
    unless it is editable (not started or draft; for ``source="import"`` also validated). Then
    per entry: a stale ``base_version`` returns a SaveResult with ``stale`` and writes nothing for
    that entry; the same content again writes nothing; otherwise the answer is created or updated
    (version + 1) with one AnswerChange row recording ``source`` (one of SOURCES). An answer
    pre-filled from the previous cycle stays marked until a save from any other source touches
    it, even with the same content (that confirms it). A first answer moves a not-started assessment to draft.

    Queries: 2 reads (lock, answers), then at most one INSERT of answers, one UPDATE of answers,
    one INSERT of history rows and one or two for the assessment: 7 at most, whatever the number
    of entries (tests/capabilities/test_save_page.py).
    """
    if source not in SOURCES:
        raise ValueError(f"Unknown source {source!r}: expected one of {', '.join(SOURCES)}.")
    lock_editable(assessment, source=source)
    wanted = {e.question.pk: e for e in entries}  # the last entry of a question wins
    existing = {
        a.question_id: a
        for a in Answer.objects.select_for_update(of=("self",))
        .select_related("updated_by")
        .filter(assessment=assessment, question_id__in=list(wanted))
    }
    now = timezone.now()
    results: dict[int, SaveResult] = {}
    to_create: list[Answer] = []
    to_update: list[Answer] = []
    changes: list[AnswerChange] = []
    confirmed: list[int] = []
    for pk, entry in wanted.items():
        evidence = list(entry.evidence)
        answer = existing.get(pk)
        if answer is None:
            if entry.value == "" and entry.comment == "" and not evidence:
                results[pk] = SaveResult(answer=None, changed=False)
                continue
            answer = Answer(
                assessment=assessment,
                question=entry.question,
                value=entry.value,
                comment=entry.comment,
                evidence=evidence,
                version=1,
                updated_by=user,
            )
            to_create.append(answer)
            changes.append(
                AnswerChange(
                    answer=answer,
                    version=1,
                    new_value=entry.value,
                    new_comment=entry.comment,
                    new_evidence=evidence,
                    changed_by=user,
                    source=source,
                )
            )
            results[pk] = SaveResult(answer=answer, changed=True)
            continue
        if entry.base_version is not None and entry.base_version != answer.version:
            results[pk] = SaveResult(answer=answer, changed=False, stale=_stale(answer))
            continue
        if (answer.value, answer.comment, list(answer.evidence)) == (
            entry.value,
            entry.comment,
            evidence,
        ):
            if answer.prefilled_from_id is not None and source != SOURCE_PREVIOUS_CYCLE:
                confirmed.append(answer.pk)  # saving a pre-filled answer unchanged confirms it
                answer.prefilled_from = None
            results[pk] = SaveResult(answer=answer, changed=False)
            continue
        changes.append(
            AnswerChange(
                answer=answer,
                version=answer.version + 1,
                old_value=answer.value,
                new_value=entry.value,
                old_comment=answer.comment,
                new_comment=entry.comment,
                old_evidence=list(answer.evidence),
                new_evidence=evidence,
                changed_by=user,
                source=source,
            )
        )
        answer.value, answer.comment, answer.evidence = entry.value, entry.comment, evidence
        answer.version += 1
        answer.updated_by = user
        answer.updated_at = now
        if source != SOURCE_PREVIOUS_CYCLE:
            answer.prefilled_from = None
        to_update.append(answer)
        results[pk] = SaveResult(answer=answer, changed=True)
    if to_create:
        Answer.objects.bulk_create(to_create)
        for change in changes:
            change.answer_id = change.answer.pk
    if to_update:
        Answer.objects.bulk_update(
            to_update,
            [
                "value",
                "comment",
                "evidence",
                "version",
                "updated_by",
                "updated_at",
                "prefilled_from",
            ],
        )
    if confirmed:
        Answer.objects.filter(pk__in=confirmed).update(prefilled_from=None)
    if changes:
        AnswerChange.objects.bulk_create(changes)
        if assessment.status == Status.NOT_STARTED and source != "import":
            # (An import records its own status change: imported assessments are validated.)
            _set_status(assessment=assessment, to_status=Status.DRAFT, user=user, reason="")
        else:
            Assessment.objects.filter(pk=assessment.pk).update(updated_at=now)
    return PageResult(results=results)


def answer_save(
    *,
    assessment: Assessment,
    question: Question,
    value: str,
    comment: str = "",
    evidence: list[str] | None = None,
    user: User | None,
    base_version: int | None,
    source: str = "web",
) -> SaveResult:
    """Saves one answer: ``answers_save_page`` with one entry (same rules, same refusal)."""
    page = answers_save_page(
        assessment=assessment,
        user=user,
        entries=[Entry(question, value, comment, tuple(evidence or ()), base_version)],
        source=source,
    )
    return page.results[question.pk]


# The offline questionnaire's entries are page entries.
AnswerEntry = Entry


class StaleEntries(Exception):
    """Some answers changed since the entries were prepared; nothing was saved."""

    def __init__(self, stale: list[StaleAnswer]) -> None:
        super().__init__(f"{len(stale)} answers changed meanwhile")
        self.stale = stale


@transaction.atomic
def answers_save_offline(
    *,
    assessment: Assessment,
    user: User | None,
    entries: Sequence[Entry],
    source: str = SOURCE_OFFLINE_FILE,
) -> list[SaveResult]:
    """Saves several answers all or nothing (the offline questionnaire's apply step).

    Locks the assessment row once and re-checks its status (a submitted or validated
    assessment refuses, WorkflowError); any entry whose answer changed since ``base_version``
    raises StaleEntries and nothing is saved. One history row per changed answer, with
    ``source``, through ``answers_save_page``.
    """
    lock_editable(assessment, source=source)
    page = answers_save_page(assessment=assessment, user=user, entries=entries, source=source)
    if page.stale:
        raise StaleEntries(list(page.stale.values()))
    return list(page.results.values())


def _stale(answer: Answer) -> StaleAnswer:
    return StaleAnswer(
        answer=answer,
        current_value=answer.value,
        current_comment=answer.comment,
        current_evidence=list(answer.evidence),
        saved_by=_display_name(answer.updated_by),
        saved_at=answer.updated_at,
        current_version=answer.version,
    )


def _set_status(
    *, assessment: Assessment, to_status: str, user: User | None, reason: str
) -> StatusChange:
    change = StatusChange.objects.create(
        assessment=assessment,
        from_status=assessment.status,
        to_status=to_status,
        reason=reason,
        changed_by=user,
    )
    assessment.status = to_status
    now = timezone.now()
    if to_status == Status.SUBMITTED:
        assessment.submitted_at = now
    if to_status == Status.VALIDATED:
        assessment.validated_at = now
    assessment.save(update_fields=["status", "submitted_at", "validated_at", "updated_at"])
    return change


def _lock(assessment: Assessment) -> Assessment:
    locked = Assessment.objects.select_for_update().get(pk=assessment.pk)
    assessment.status = locked.status
    return assessment


@transaction.atomic
def assessment_submit(*, assessment: Assessment, user: User) -> StatusChange:
    """Draft → submitted. Refused while required questions are unanswered, counted here under
    the assessment's row lock (every answer write takes the same lock first), so no save can slip
    in between the count and the status change."""
    _lock(assessment)
    if assessment.status not in (Status.DRAFT, Status.NOT_STARTED):
        raise WorkflowError(_("Only a draft can be submitted."))
    answered = Answer.objects.filter(assessment=assessment).exclude(value="").values("question_id")
    framework = Cycle.objects.filter(pk=assessment.cycle_id).values("framework_id")
    missing_required = (
        Question.objects.filter(framework_id__in=framework, required=True)
        .exclude(pk__in=answered)
        .count()
    )
    if missing_required:
        raise WorkflowError(
            _("%(count)s required questions are not answered yet.") % {"count": missing_required}
        )
    change = _set_status(assessment=assessment, to_status=Status.SUBMITTED, user=user, reason="")
    _notify(assessment, change)
    return change


@transaction.atomic
def assessment_return(*, assessment: Assessment, user: User, reason: str) -> StatusChange:
    """Submitted → draft, with the reason the country must read. A reason is required."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Say why the assessment is returned: the country will read it."))
    _lock(assessment)
    if assessment.status != Status.SUBMITTED:
        raise WorkflowError(_("Only a submitted assessment can be returned."))
    change = _set_status(assessment=assessment, to_status=Status.DRAFT, user=user, reason=reason)
    _notify(assessment, change)
    return change


@transaction.atomic
def assessment_validate(*, assessment: Assessment, user: User, reason: str = "") -> StatusChange:
    """Submitted → validated."""
    _lock(assessment)
    if assessment.status != Status.SUBMITTED:
        raise WorkflowError(_("Only a submitted assessment can be validated."))
    change = _set_status(
        assessment=assessment, to_status=Status.VALIDATED, user=user, reason=(reason or "").strip()
    )
    _notify(assessment, change)
    return change


def review_comment_add(
    *, assessment: Assessment, question: Question, user: User, text: str
) -> ReviewComment:
    """Starts a comment thread on an answer. The secretariat reviews what was submitted: an
    assessment never submitted takes no comment (the questionnaire pages rely on it and read no
    comments for such a draft). Callers check permissions.require_review."""
    text = (text or "").strip()
    if not text:
        raise ValidationError(_("The comment is empty."))
    if assessment.submitted_at is None:
        raise WorkflowError(
            _("This assessment has never been submitted: there is nothing to review yet.")
        )
    return ReviewComment.objects.create(
        assessment=assessment, question=question, author=user, text=text
    )


def _notify(assessment: Assessment, change: StatusChange) -> None:
    """E-mails the country's focal points about a status change, each in their own language;
    tells the secretariat about submissions (capabilities.cycles.notify_secretariat)."""
    if change.to_status == Status.SUBMITTED:
        from .cycles import notify_secretariat

        notify_secretariat(assessment=assessment, change=change)
    from django.urls import reverse

    from . import mail

    profiles = (
        Profile.objects.filter(
            country_id=assessment.country_id,
            role=Role.FOCAL_POINT,
            notify_by_email=True,
            user__is_active=True,
        )
        .exclude(user__email="")
        .select_related("user")
    )
    link = mail.site_url() + reverse("capabilities:dashboard", args=[assessment.pk])
    for profile in profiles:
        message = mail.build(
            "status_changed",
            user=profile.user,
            context={
                "assessment": assessment,
                "country": assessment.country,
                "cycle": assessment.cycle,
                "status": change.to_status,
                "reason": change.reason,
                "link": link,
            },
        )
        transaction.on_commit(partial(mail.send_logged, message))


def participation_set(
    *, cycle: Cycle, country: Country, income_group: str = "", region: str = "", survey: str = ""
) -> Participation:
    participation, _created = Participation.objects.update_or_create(
        cycle=cycle,
        country=country,
        defaults={"income_group": income_group, "region": region, "survey": survey},
    )
    return participation


@transaction.atomic
def contributor_add(
    *,
    country: Country,
    first_name: str,
    last_name: str,
    email: str,
    domain_codes: list[str],
    added_by: User,
) -> User:
    """Creates a contributor of ``country`` with no usable password (they set one by e-mail)."""
    from django.contrib.auth import get_user_model

    User = get_user_model()
    email = email.strip().lower()
    if (
        User.objects.filter(email__iexact=email).exists()
        or User.objects.filter(username__iexact=email).exists()
    ):
        raise ValidationError(_("Someone with this e-mail address already has an account."))
    user = User(username=email, email=email, first_name=first_name, last_name=last_name)
    user.set_unusable_password()
    user.save()
    Profile.objects.create(
        user=user, role=Role.CONTRIBUTOR, country=country, domain_codes=sorted(domain_codes)
    )
    return user


@transaction.atomic
def contributor_update(*, profile: Profile, domain_codes: list[str], active: bool) -> Profile:
    """Changes a contributor's domains, or removes (deactivates) them; their history stays."""
    if profile.role != Role.CONTRIBUTOR:
        raise ValidationError(_("Only contributors can be changed here."))
    profile.domain_codes = sorted(domain_codes)
    profile.save(update_fields=["domain_codes"])
    if profile.user.is_active != active:
        profile.user.is_active = active
        profile.user.save(update_fields=["is_active"])
    return profile


# ---------------------------------------------------------------------------------------------
# Invitations (focal points opened with a cycle, contributors added by a focal point)


def invitation_send(
    *,
    user: User,
    inviter: User | None,
    request: object = None,
    cycle: Cycle | None = None,
) -> Invitation:
    """E-mails ``user`` a link to choose a password (Django's reset token), in their language.

    The link works once and expires after settings.PASSWORD_RESET_TIMEOUT; calling this again sends
    a fresh link (re-sending). Each sending is recorded as an Invitation. Links use the request's
    host when there is one, else settings.MRN_SITE_URL (commands).
    """
    from django.contrib.auth.tokens import default_token_generator
    from django.urls import reverse
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    from . import mail

    if not user.email:
        raise ValidationError(_("%(name)s has no e-mail address.") % {"name": user.get_username()})
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    link = mail.site_url(request) + reverse(
        "password_reset_confirm", kwargs={"uidb64": uid, "token": token}
    )
    profile = getattr(user, "profile", None)
    country = profile.country if profile is not None else None
    invitation = Invitation.objects.create(user=user, sent_by=inviter, cycle=cycle)
    message = mail.build(
        "invitation",
        user=user,
        context={
            "link": link,
            "country": country,
            "cycle": cycle,
            "inviter": inviter,
            "role": profile.role if profile is not None else "",
        },
    )
    transaction.on_commit(partial(mail.send_logged, message))
    return invitation


# ---------------------------------------------------------------------------------------------
# Comment threads on answers


def _thread_root(comment: ReviewComment) -> ReviewComment:
    return comment.parent or comment  # no query when parent_id is None


@transaction.atomic
def comment_reply(*, thread: ReviewComment, user: User, text: str) -> ReviewComment:
    """Adds a reply (country or secretariat) to a thread. Callers check permissions.can_discuss."""
    text = (text or "").strip()
    if not text:
        raise ValidationError(_("The reply is empty."))
    root = _thread_root(thread)
    return ReviewComment.objects.create(
        assessment_id=root.assessment_id,
        question_id=root.question_id,
        parent=root,
        author=user,
        text=text,
    )


@transaction.atomic
def comment_set_resolved(
    *, thread: ReviewComment, user: User, resolved: bool, text: str = ""
) -> ReviewComment:
    """Resolves or reopens a thread; the change is recorded in the thread as a reply."""
    from .models import CommentAction

    root = ReviewComment.objects.select_for_update().get(pk=_thread_root(thread).pk)
    if resolved == (root.resolved_at is not None):
        raise ValidationError(
            _("This thread is already resolved.") if resolved else _("This thread is open.")
        )
    root.resolved_at = timezone.now() if resolved else None
    root.resolved_by = user if resolved else None
    root.save(update_fields=["resolved_at", "resolved_by"])
    return ReviewComment.objects.create(
        assessment_id=root.assessment_id,
        question_id=root.question_id,
        parent=root,
        author=user,
        action=CommentAction.RESOLVED if resolved else CommentAction.REOPENED,
        text=(text or "").strip(),
    )


# ---------------------------------------------------------------------------------------------
# Start from last cycle (issue 15)


def previous_validated_assessment(assessment: Assessment) -> Assessment | None:
    """The country's most recent validated assessment of an earlier cycle. One query."""
    return (
        Assessment.objects.filter(country_id=assessment.country_id, status=Status.VALIDATED)
        .exclude(pk=assessment.pk)
        .exclude(cycle_id=assessment.cycle_id)
        .select_related("cycle")
        .order_by(*cycles_newest_first("cycle__"), "-pk")
        .first()
    )


@dataclass(frozen=True)
class PrefillResult:
    source: Assessment
    copied: int
    skipped_answered: int
    skipped_invalid: int


@transaction.atomic
def assessment_prefill_from_previous(*, assessment: Assessment, user: User | None) -> PrefillResult:
    """Copies the answers of the country's previous validated assessment into the questions of
    ``assessment`` that have no answer yet, matched by capability and question code. Each copy is
    one history row (source "previous_cycle") and stays marked pre-filled until a person saves
    or confirms it. A value that no longer fits the question (options changed) is skipped.
    Raises WorkflowError when there is nothing to copy from or the assessment is locked."""
    from . import values

    _lock(assessment)
    if assessment.is_locked_for_country:
        raise WorkflowError(_("A submitted or validated assessment cannot be pre-filled."))
    source = previous_validated_assessment(assessment)
    if source is None:
        raise WorkflowError(
            _("Your country has no validated assessment of an earlier cycle to start from.")
        )
    previous = {
        (a.question.capability.code, a.question.code): a
        for a in Answer.objects.filter(assessment=source).select_related("question__capability")
    }
    answered = set(
        Answer.objects.filter(assessment=assessment)
        .exclude(value="", comment="", evidence=[])
        .values_list("question_id", flat=True)
    )
    questions = Question.objects.for_framework(assessment.cycle.framework).with_structure()
    copied = skipped_answered = skipped_invalid = 0
    entries: list[Entry] = []
    for question in questions:
        old = previous.get((question.capability.code, question.code))
        if old is None or (old.value == "" and old.comment == "" and not old.evidence):
            continue
        if question.pk in answered:
            skipped_answered += 1
            continue
        try:
            value = values.normalise(question, old.value)
        except values.InvalidValue:
            skipped_invalid += 1
            continue
        entries.append(Entry(question, value, old.comment, tuple(old.evidence), None))
    if entries:
        page = answers_save_page(
            assessment=assessment, user=user, entries=entries, source=SOURCE_PREVIOUS_CYCLE
        )
        copied_pks = [
            r.answer.pk for r in page.results.values() if r.changed and r.answer is not None
        ]
        copied = Answer.objects.filter(pk__in=copied_pks).update(prefilled_from=source)
    return PrefillResult(
        source=source,
        copied=copied,
        skipped_answered=skipped_answered,
        skipped_invalid=skipped_invalid,
    )


def prefilled_confirm(*, assessment: Assessment, user: User | None, domain_code: str) -> int:
    """Marks the pre-filled answers of one domain as checked by ``user``; returns how many.
    The caller checks that the user may edit the domain."""
    return Answer.objects.filter(
        assessment=assessment,
        question__capability__domain__code=domain_code,
        prefilled_from__isnull=False,
    ).update(prefilled_from=None, updated_by=user, updated_at=timezone.now())
