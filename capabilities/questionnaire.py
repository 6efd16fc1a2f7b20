"""The read side of the questionnaire and workflow pages: progress, answers, comments, history.

Every function takes an assessment the caller already obtained through
``permissions.get_assessment_for_user`` and costs a fixed number of queries, whatever the number
of answers (each docstring says how many). Progress is counted by the database (one GROUP BY per
domain through correlated subqueries), never by a loop of queries.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import caching
from .models import (
    Answer,
    AnswerChange,
    Assessment,
    AssessmentQuerySet,
    CapabilityPhase,
    Domain,
    MaturityPhase,
    Participation,
    Question,
    ReviewComment,
    Status,
    StatusChange,
)


class TaskStatus:
    """The GOV.UK task list statuses of one domain."""

    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CANNOT_START = "cannot_start"

    LABELS = {
        NOT_STARTED: _("Not started"),
        IN_PROGRESS: _("In progress"),
        COMPLETED: _("Completed"),
        CANNOT_START: _("Cannot start yet"),
    }


@dataclass(frozen=True)
class DomainProgress:
    domain: Domain
    total: int
    answered: int
    required_total: int
    required_missing: int
    last_changed_at: datetime | None
    last_changed_by: str
    status: str
    editable: bool

    @property
    def status_label(self) -> str:
        return str(TaskStatus.LABELS[self.status])

    @property
    def percent(self) -> int:
        return round(100 * self.answered / self.total) if self.total else 0


def user_label(user: object | None) -> str:
    if user is None:
        return ""
    full = user.get_full_name()  # type: ignore[attr-defined]
    return full or user.get_username()  # type: ignore[attr-defined]


def _count_subquery(assessment: Assessment, *, required_only: bool) -> Coalesce:
    answers = Answer.objects.filter(
        assessment=assessment, question__capability__domain=OuterRef("pk")
    ).exclude(value="")
    if required_only:
        answers = answers.filter(question__required=True)
    counted = (
        answers.order_by()
        .values("question__capability__domain")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def domain_progress(
    assessment: Assessment, *, editable_codes: set[str] | None, today: date | None = None
) -> list[DomainProgress]:
    """Progress of each domain of the assessment's framework. Two queries, whatever the answers.

    ``editable_codes`` comes from ``permissions.editable_domain_codes`` (None: all domains).
    """
    latest = Answer.objects.filter(
        assessment=assessment, question__capability__domain=OuterRef("pk")
    ).order_by("-updated_at", "-pk")
    domains = list(
        Domain.objects.filter(framework_id=assessment.cycle.framework_id)
        .annotate(
            total=Count("capabilities__questions", distinct=True),
            required_total=Count(
                "capabilities__questions",
                filter=Q(capabilities__questions__required=True),
                distinct=True,
            ),
            answered=_count_subquery(assessment, required_only=False),
            required_answered=_count_subquery(assessment, required_only=True),
            last_changed_at=Subquery(latest.values("updated_at")[:1]),
            last_changed_by_id=Subquery(latest.values("updated_by_id")[:1]),
        )
        .order_by("order", "code")
    )
    user_ids = {d.last_changed_by_id for d in domains if d.last_changed_by_id}
    users = get_user_model().objects.in_bulk(user_ids) if user_ids else {}
    today = today or timezone.localdate()
    opens_on = assessment.cycle.opens_on
    not_open = opens_on is not None and opens_on > today
    rows = []
    for d in domains:
        missing = d.required_total - d.required_answered
        if not_open:
            status = TaskStatus.CANNOT_START
        elif d.answered == 0 and d.last_changed_at is None:
            status = TaskStatus.NOT_STARTED
        elif missing == 0 and d.answered > 0:
            status = TaskStatus.COMPLETED
        else:
            status = TaskStatus.IN_PROGRESS
        rows.append(
            DomainProgress(
                domain=d,
                total=d.total,
                answered=d.answered,
                required_total=d.required_total,
                required_missing=missing,
                last_changed_at=d.last_changed_at,
                last_changed_by=user_label(users.get(d.last_changed_by_id)),
                status=status,
                editable=not not_open and (editable_codes is None or d.code in editable_codes),
            )
        )
    return rows


def questions_of(assessment: Assessment, domain: Domain | None = None) -> list[Question]:
    """The framework's questions in order, with capability, domain, options and the capability's
    phase descriptions (``capability.phase_list``). Three queries the first time, then none: they
    depend only on the framework version and are kept in the cache (capabilities/caching.py);
    each call gets its own copy."""
    framework_id = assessment.cycle.framework_id
    key = f"questions:{caching.generation()}:{framework_id}:{domain.pk if domain else ''}"
    questions = cache.get(key)
    if questions is None:
        questions = _questions_of(framework_id, domain)
        cache.set(key, questions)  # MRN_CACHE_SECONDS: see capabilities/caching.py
    return questions


def questions_of_framework(framework_id: int) -> list[Question]:
    """Every question of the framework as ``questions_of`` gives them, read now (three queries);
    for what is built once per process (capabilities/views.py ``Frame``)."""
    return _questions_of(framework_id, None)


def _questions_of(framework_id: int, domain: Domain | None) -> list[Question]:
    questions = (
        Question.objects.filter(framework_id=framework_id)
        .with_structure()
        .prefetch_related(
            Prefetch(
                "capability__phases",
                queryset=CapabilityPhase.objects.order_by("number"),
                to_attr="phase_list",
            )
        )
    )
    if domain is not None:
        questions = questions.filter(capability__domain=domain)
    return list(questions)


def maturity_phases(assessment: Assessment) -> dict[int, MaturityPhase]:
    """The framework's generic phases by number. One query."""
    return {
        p.number: p
        for p in MaturityPhase.objects.filter(framework_id=assessment.cycle.framework_id)
    }


def answers_by_question(
    assessment: Assessment, questions: Sequence[Question] | None = None
) -> dict[int, Answer]:
    """The assessment's answers keyed by question id, with ``updated_by``; only those of
    ``questions`` when given (a domain's: by id, which spares the joins to capability and
    domain). One query."""
    answers = Answer.objects.filter(assessment=assessment).select_related("updated_by")
    if questions is not None:
        answers = answers.filter(question_id__in=[q.pk for q in questions])
    return {a.question_id: a for a in answers}


def review_comments_by_question(
    assessment: Assessment, questions: Sequence[Question] | None = None
) -> dict[int, list[ReviewComment]]:
    """Comment threads keyed by question id, oldest first, with author and ``reply_count``
    (replies are on the thread page). One query; none for an assessment never submitted, which
    has no thread (services.review_comment_add)."""
    if assessment.submitted_at is None:
        return {}
    comments = (
        ReviewComment.objects.filter(assessment=assessment, parent__isnull=True)
        .select_related("author")
        .annotate(reply_count=Count("replies", filter=Q(replies__action="")))
    )
    if questions is not None:  # a domain's, by id (no join to capability and domain)
        comments = comments.filter(question_id__in=[q.pk for q in questions])
    grouped: dict[int, list[ReviewComment]] = {}
    for comment in comments.order_by("created_at", "pk"):
        grouped.setdefault(comment.question_id, []).append(comment)
    return grouped


def review_comments(assessment: Assessment) -> list[ReviewComment]:
    """All comment threads with question (and its domain), author and ``reply_count``. One
    query."""
    return list(
        ReviewComment.objects.filter(assessment=assessment, parent__isnull=True)
        .select_related("author", "question__capability__domain")
        .annotate(reply_count=Count("replies", filter=Q(replies__action="")))
        .order_by("-created_at", "-pk")
    )


def missing_required(assessment: Assessment) -> list[Question]:
    """Required questions without an answer, in questionnaire order, with domain. One query."""
    answered = Answer.objects.filter(assessment=assessment).exclude(value="").values("question_id")
    return list(
        Question.objects.for_framework(assessment.cycle.framework)
        .filter(required=True)
        .exclude(pk__in=answered)
        .select_related("capability__domain")
        .order_by("capability__domain__order", "capability__order", "order", "code")
    )


def status_history(assessment: Assessment) -> list[StatusChange]:
    """Status changes, newest first, with who. One query."""
    return list(
        assessment.status_changes.select_related("changed_by").order_by("-changed_at", "-pk")
    )


def return_reason(history: list[StatusChange], assessment: Assessment) -> StatusChange | None:
    """The change that returned the assessment, while it is a draft again (no query)."""
    if assessment.status != Status.DRAFT:
        return None
    for change in history:  # newest first
        if change.to_status == Status.DRAFT and change.from_status == Status.SUBMITTED:
            return change
        if change.to_status == Status.SUBMITTED:
            return None
    return None


def recent_changes(assessment: Assessment, limit: int = 8) -> list[AnswerChange]:
    """The latest answer changes with question and who. One query."""
    return list(
        AnswerChange.objects.filter(answer__assessment=assessment)
        .select_related("changed_by", "answer__question__capability__domain")
        .order_by("-changed_at", "-pk")[:limit]
    )


def answer_history(assessment: Assessment, question: Question) -> list[AnswerChange]:
    """Every change of one answer, newest first, with who. One query."""
    return list(
        AnswerChange.objects.filter(answer__assessment=assessment, answer__question=question)
        .select_related("changed_by")
        .order_by("-version")
    )


def with_list_columns(assessments: AssessmentQuerySet) -> AssessmentQuerySet:
    """Adds what the analysts' list shows: country, cycle, progress (``answered_count``), and the
    cycle's ``income_group`` and ``region`` of the country. One query for any number of rows."""
    participation = Participation.objects.filter(
        cycle_id=OuterRef("cycle_id"), country_id=OuterRef("country_id")
    )
    return (
        assessments.select_related("country", "cycle")
        .with_progress()
        .annotate(
            income_group=Subquery(participation.values("income_group")[:1]),
            region=Subquery(participation.values("region")[:1]),
        )
    )


def question_count(assessment: Assessment) -> int:
    """Questions of the assessment's framework. One query."""
    return Question.objects.filter(framework_id=assessment.cycle.framework_id).count()


def comment_threads(assessment: Assessment, question: Question) -> list[ReviewComment]:
    """The threads on one answer, oldest first, each with ``thread_replies`` (oldest first,
    resolve/reopen events included) and authors. Two queries."""
    return list(
        ReviewComment.objects.filter(assessment=assessment, question=question, parent__isnull=True)
        .select_related("author", "resolved_by")
        .prefetch_related(
            Prefetch(
                "replies",
                queryset=ReviewComment.objects.select_related("author").order_by(
                    "created_at", "pk"
                ),
                to_attr="thread_replies",
            )
        )
        .order_by("created_at", "pk")
    )


def unresolved_thread_count(assessment: Assessment) -> int:
    """Comment threads on the assessment's answers that are not resolved. One query."""
    return ReviewComment.objects.filter(
        assessment=assessment, parent__isnull=True, resolved_at__isnull=True
    ).count()


@dataclass(frozen=True)
class AnswerDiff:
    """One answer's net change between two submissions (first old → current new)."""

    question: Question
    old_value: str
    new_value: str
    old_comment: str
    new_comment: str
    old_evidence: list[str]
    new_evidence: list[str]
    changed_by: list[str]

    @property
    def value_changed(self) -> bool:
        return self.old_value != self.new_value

    @property
    def comment_changed(self) -> bool:
        return self.old_comment != self.new_comment

    @property
    def evidence_added(self) -> list[str]:
        return [e for e in self.new_evidence if e not in self.old_evidence]

    @property
    def evidence_removed(self) -> list[str]:
        return [e for e in self.old_evidence if e not in self.new_evidence]


@dataclass(frozen=True)
class ChangesSinceSubmission:
    previous: StatusChange  # the submission before the latest one
    latest: StatusChange | None  # the latest submission (None: not resubmitted yet)
    answers: list[AnswerDiff]
    comments: list[ReviewComment]


def changes_since_last_submission(assessment: Assessment) -> ChangesSinceSubmission | None:
    """What changed between the previous submission and the latest one (or now, while the
    country works on a returned assessment): answers (value, comment, evidence), with their net
    change, and comments. None when the assessment was submitted at most once. Four queries."""
    submissions = list(
        StatusChange.objects.filter(assessment=assessment, to_status=Status.SUBMITTED).order_by(
            "changed_at", "pk"
        )
    )
    if not submissions:
        return None
    if assessment.status == Status.SUBMITTED or assessment.status == Status.VALIDATED:
        if len(submissions) < 2:
            return None
        previous, latest = submissions[-2], submissions[-1]
    else:
        previous, latest = submissions[-1], None
    changes = (
        AnswerChange.objects.filter(
            answer__assessment=assessment, changed_at__gt=previous.changed_at
        )
        .select_related("answer__question__capability__domain", "changed_by")
        .order_by("answer_id", "version")
    )
    if latest is not None:
        changes = changes.filter(changed_at__lte=latest.changed_at)
    grouped: dict[int, list[AnswerChange]] = {}
    for change in changes:
        grouped.setdefault(change.answer_id, []).append(change)
    diffs = []
    for rows in grouped.values():
        first, last = rows[0], rows[-1]
        diff = AnswerDiff(
            question=first.answer.question,
            old_value=first.old_value,
            new_value=last.new_value,
            old_comment=first.old_comment,
            new_comment=last.new_comment,
            old_evidence=list(first.old_evidence),
            new_evidence=list(last.new_evidence),
            changed_by=sorted({user_label(r.changed_by) for r in rows}),
        )
        if diff.value_changed or diff.comment_changed or diff.old_evidence != diff.new_evidence:
            diffs.append(diff)
    diffs.sort(
        key=lambda d: (
            d.question.capability.domain.order,
            d.question.capability.order,
            d.question.order,
            d.question.code,
        )
    )
    comments = ReviewComment.objects.filter(
        assessment=assessment, created_at__gt=previous.changed_at
    ).select_related("author", "question", "parent")
    if latest is not None:
        comments = comments.filter(created_at__lte=latest.changed_at)
    return ChangesSinceSubmission(
        previous=previous,
        latest=latest,
        answers=diffs,
        comments=list(comments.order_by("created_at", "pk")),
    )
