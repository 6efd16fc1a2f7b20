"""Writes: saving answers (with history and stale-save refusal) and moving assessments through the
workflow. Every function is keyword-only, runs in one transaction, and is used by views, commands
and tests alike. Access rules are checked by the caller through capabilities.permissions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import partial

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .models import (
    Answer,
    AnswerChange,
    Assessment,
    Country,
    Cycle,
    Participation,
    Profile,
    Question,
    ReviewComment,
    Role,
    Status,
    StatusChange,
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


def _display_name(user: AbstractBaseUser | None) -> str:
    if user is None:
        return _("someone")
    full = user.get_full_name() if hasattr(user, "get_full_name") else ""
    return full or user.get_username()


def assessment_get_or_create(*, country: Country, cycle: Cycle) -> Assessment:
    """The country's assessment in the cycle, created (not started) if missing."""
    assessment, _created = Assessment.objects.get_or_create(country=country, cycle=cycle)
    return assessment


@transaction.atomic
def answer_save(
    *,
    assessment: Assessment,
    question: Question,
    value: str,
    comment: str = "",
    evidence: list[str] | None = None,
    user: AbstractBaseUser | None,
    base_version: int | None,
    source: str = "web",
) -> SaveResult:
    """Saves one answer if it is based on the current version; records one history row per change.

    ``value`` must already be canonical (capabilities.values.normalise). ``base_version`` is the
    version the user's form was built from: 0 for "there was no answer", None to skip the check
    (imports). A mismatch returns a SaveResult with ``stale`` set and writes nothing. Saving the
    same content again writes nothing. A first answer moves a not-started assessment to draft.
    """
    evidence = list(evidence or [])
    answer = _locked_answer(assessment, question)
    current_version = answer.version if answer else 0
    if base_version is not None and base_version != current_version and answer is not None:
        return SaveResult(answer=answer, changed=False, stale=_stale(answer))
    if answer is None:
        if value == "" and comment == "" and not evidence:
            return SaveResult(answer=None, changed=False)
        try:
            with transaction.atomic():  # savepoint: someone may create the same answer right now
                answer = Answer.objects.create(
                    assessment=assessment,
                    question=question,
                    value=value,
                    comment=comment,
                    evidence=evidence,
                    version=1,
                    updated_by=user,
                )
        except IntegrityError:
            # The other save won the race: theirs is newer than the "no answer" this was based on.
            answer = _locked_answer(assessment, question)
            if base_version is not None:
                return SaveResult(answer=answer, changed=False, stale=_stale(answer))
            return answer_save(
                assessment=assessment,
                question=question,
                value=value,
                comment=comment,
                evidence=evidence,
                user=user,
                base_version=None,
                source=source,
            )
        AnswerChange.objects.create(
            answer=answer,
            version=1,
            old_value="",
            new_value=value,
            old_comment="",
            new_comment=comment,
            old_evidence=[],
            new_evidence=evidence,
            changed_by=user,
            source=source,
        )
    else:
        if (
            answer.value == value
            and answer.comment == comment
            and list(answer.evidence) == evidence
        ):
            if answer.prefilled_from_id is not None and source != SOURCE_PREVIOUS_CYCLE:
                # Saving a pre-filled answer unchanged confirms it (issue 15).
                Answer.objects.filter(pk=answer.pk).update(prefilled_from=None)
                answer.prefilled_from = None
            return SaveResult(answer=answer, changed=False)
        change = AnswerChange(
            answer=answer,
            version=answer.version + 1,
            old_value=answer.value,
            new_value=value,
            old_comment=answer.comment,
            new_comment=comment,
            old_evidence=list(answer.evidence),
            new_evidence=evidence,
            changed_by=user,
            source=source,
        )
        answer.value, answer.comment, answer.evidence = value, comment, evidence
        answer.version += 1
        answer.updated_by = user
        if source != SOURCE_PREVIOUS_CYCLE:
            answer.prefilled_from = None
        answer.save()
        change.save()
    if assessment.status == Status.NOT_STARTED and _lock(assessment).status == Status.NOT_STARTED:
        # Locked re-read: two first saves at once record "not started → draft" only once.
        _set_status(assessment=assessment, to_status=Status.DRAFT, user=user, reason="")
    else:
        Assessment.objects.filter(pk=assessment.pk).update(updated_at=timezone.now())
    return SaveResult(answer=answer, changed=True)


SOURCE_OFFLINE_FILE = "offline_file"
SOURCE_PREVIOUS_CYCLE = "previous_cycle"


@dataclass(frozen=True)
class AnswerEntry:
    """One answer to save: canonical value, comment, evidence, and the version it is based on."""

    question: Question
    value: str
    comment: str
    evidence: list[str]
    base_version: int


class StaleEntries(Exception):
    """Some answers changed since the entries were prepared; nothing was saved."""

    def __init__(self, stale: list[StaleAnswer]) -> None:
        super().__init__(f"{len(stale)} answers changed meanwhile")
        self.stale = stale


@transaction.atomic
def answers_save_offline(
    *,
    assessment: Assessment,
    user: AbstractBaseUser | None,
    entries: list[AnswerEntry],
    source: str = SOURCE_OFFLINE_FILE,
) -> list[SaveResult]:
    """Saves several answers all or nothing (the offline questionnaire's apply step).

    Locks the assessment row once and re-checks its status (a submitted or validated
    assessment refuses, WorkflowError); any entry whose answer changed since ``base_version``
    raises StaleEntries and nothing is saved. One history row per changed answer, with
    ``source``. To be switched to issue 10's ``answers_save_page`` when it lands.
    """
    _lock(assessment)
    if assessment.is_locked_for_country:
        raise WorkflowError(
            _("This assessment is %(status)s: it cannot be changed.")
            % {"status": Status(assessment.status).label}
        )
    results = []
    stale = []
    for entry in entries:
        result = answer_save(
            assessment=assessment,
            question=entry.question,
            value=entry.value,
            comment=entry.comment,
            evidence=entry.evidence,
            user=user,
            base_version=entry.base_version,
            source=source,
        )
        if result.stale is not None:
            stale.append(result.stale)
        results.append(result)
    if stale:
        raise StaleEntries(stale)
    return results


def _locked_answer(assessment: Assessment, question: Question) -> Answer | None:
    return (
        Answer.objects.select_for_update(of=("self",))
        .select_related("updated_by")
        .filter(assessment=assessment, question=question)
        .first()
    )


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
    *, assessment: Assessment, to_status: str, user: AbstractBaseUser | None, reason: str
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
def assessment_submit(
    *, assessment: Assessment, user: AbstractBaseUser, missing_required: int = 0
) -> StatusChange:
    """Draft → submitted. Refused while required questions are unanswered."""
    _lock(assessment)
    if assessment.status not in (Status.DRAFT, Status.NOT_STARTED):
        raise WorkflowError(_("Only a draft can be submitted."))
    if missing_required:
        raise WorkflowError(
            _("%(count)s required questions are not answered yet.") % {"count": missing_required}
        )
    change = _set_status(assessment=assessment, to_status=Status.SUBMITTED, user=user, reason="")
    _notify(assessment, change)
    return change


@transaction.atomic
def assessment_return(
    *, assessment: Assessment, user: AbstractBaseUser, reason: str
) -> StatusChange:
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
def assessment_validate(
    *, assessment: Assessment, user: AbstractBaseUser, reason: str = ""
) -> StatusChange:
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
    *, assessment: Assessment, question: Question, user: AbstractBaseUser, text: str
) -> ReviewComment:
    text = (text or "").strip()
    if not text:
        raise ValidationError(_("The comment is empty."))
    return ReviewComment.objects.create(
        assessment=assessment, question=question, author=user, text=text
    )


def _notify(assessment: Assessment, change: StatusChange) -> None:
    """E-mails the country's focal points about a status change, each in their own language."""
    profiles = (
        Profile.objects.filter(country_id=assessment.country_id, role=Role.FOCAL_POINT)
        .exclude(user__email="")
        .select_related("user")
    )
    for profile in profiles:
        with translation.override(profile.language or "en"):
            subject = _("MRN Assess: %(country)s, %(cycle)s is now %(status)s") % {
                "country": assessment.country.tr("name"),
                "cycle": assessment.cycle.tr("name"),
                "status": Status(change.to_status).label,
            }
            body = [subject, ""]
            if change.reason:
                body += [_("Reason given:"), change.reason, ""]
            body.append(_("Sign in to MRN Assess to see the details."))
            transaction.on_commit(
                partial(
                    send_mail,
                    subject,
                    "\n".join(str(line) for line in body),
                    None,
                    [profile.user.email],
                    fail_silently=True,
                )
            )


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
    added_by: AbstractBaseUser,
) -> AbstractBaseUser:
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
# Start from last cycle (issue 15)


def previous_validated_assessment(assessment: Assessment) -> Assessment | None:
    """The country's most recent validated assessment of an earlier cycle. One query."""
    return (
        Assessment.objects.filter(country_id=assessment.country_id, status=Status.VALIDATED)
        .exclude(pk=assessment.pk)
        .exclude(cycle_id=assessment.cycle_id)
        .select_related("cycle")
        .order_by("-cycle__opens_on", "-cycle__created_at", "-pk")
        .first()
    )


@dataclass(frozen=True)
class PrefillResult:
    source: Assessment
    copied: int
    skipped_answered: int
    skipped_invalid: int


@transaction.atomic
def assessment_prefill_from_previous(
    *, assessment: Assessment, user: AbstractBaseUser | None
) -> PrefillResult:
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
        result = answer_save(
            assessment=assessment,
            question=question,
            value=value,
            comment=old.comment,
            evidence=list(old.evidence),
            user=user,
            base_version=None,
            source=SOURCE_PREVIOUS_CYCLE,
        )
        if result.changed and result.answer is not None:
            Answer.objects.filter(pk=result.answer.pk).update(prefilled_from=source)
            copied += 1
    return PrefillResult(
        source=source,
        copied=copied,
        skipped_answered=skipped_answered,
        skipped_invalid=skipped_invalid,
    )


def prefilled_confirm(
    *, assessment: Assessment, user: AbstractBaseUser | None, domain_code: str
) -> int:
    """Marks the pre-filled answers of one domain as checked by ``user``; returns how many.
    The caller checks that the user may edit the domain."""
    return Answer.objects.filter(
        assessment=assessment,
        question__capability__domain__code=domain_code,
        prefilled_from__isnull=False,
    ).update(prefilled_from=None, updated_by=user, updated_at=timezone.now())
