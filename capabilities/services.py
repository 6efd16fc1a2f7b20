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
from django.db import IntegrityError, transaction
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
        answer.save()
        change.save()
    if assessment.status == Status.NOT_STARTED and _lock(assessment).status == Status.NOT_STARTED:
        # Locked re-read: two first saves at once record "not started → draft" only once.
        _set_status(assessment=assessment, to_status=Status.DRAFT, user=user, reason="")
    else:
        Assessment.objects.filter(pk=assessment.pk).update(updated_at=timezone.now())
    return SaveResult(answer=answer, changed=True)


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
# Invitations (focal points opened with a cycle, contributors added by a focal point)


def invitation_send(
    *,
    user: AbstractBaseUser,
    inviter: AbstractBaseUser | None,
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
    return comment if comment.parent_id is None else comment.parent


@transaction.atomic
def comment_reply(*, thread: ReviewComment, user: AbstractBaseUser, text: str) -> ReviewComment:
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
    *, thread: ReviewComment, user: AbstractBaseUser, resolved: bool, text: str = ""
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
