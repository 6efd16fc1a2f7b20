"""Running a cycle: opening it from a participants file, deadlines, reminders, the secretariat's
notifications and its progress dashboard.

Writes follow the rules of ``services.py`` (keyword-only, one transaction, used by views, commands
and tests). Opening a cycle is planned first (``cycle_plan``: every problem of the file, and what
would happen for each row), then applied (``cycle_open``); the plan is the page's preview.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from . import mail, services
from .importer import _group_value, read_table
from .models import (
    Assessment,
    AssessmentQuerySet,
    Country,
    Cycle,
    DeadlineExtension,
    FrameworkVersion,
    Invitation,
    Notification,
    NotificationKind,
    Participation,
    Profile,
    ReminderSent,
    Role,
    Status,
    StatusChange,
    validate_reminder_days,
)

# Header of a participants file (CSV or XLSX); other spellings accepted are in _ALIASES.
PARTICIPANT_COLUMNS = (
    "country",
    "income_group",
    "region",
    "focal_point_email",
    "focal_point_name",
    "language",
    "survey",
)
_ALIASES = {
    "country_code": "country",
    "code": "country",
    "email": "focal_point_email",
    "focal_point_e_mail": "focal_point_email",
    "name": "focal_point_name",
    "focal_point": "focal_point_name",
}
# Reminders: a row of ReminderSent with this ``days`` is the one reminder after the deadline.
AFTER_DEADLINE = -1


def _column_key(header: str) -> str:
    key = re.sub(r"[^a-z0-9]+", "_", header.strip().lower()).strip("_")
    return _ALIASES.get(key, key)


@dataclass(frozen=True)
class PlanRow:
    """One participant of the file and what opening the cycle does for it."""

    number: int
    country: Country
    income_group: str
    region: str
    survey: str
    email: str
    first_name: str
    last_name: str
    language: str
    participation: str  # "new", "changed", "same"
    assessment_exists: bool
    user: Any  # the existing account, or None: one is created
    invite: bool


@dataclass
class CyclePlan:
    code: str
    name_en: str
    name_fr: str
    framework: FrameworkVersion | None
    deadline: date | None
    cycle: Cycle | None  # the existing cycle (a second run), or None
    reminder_days: list[int] | None = None  # None: the cycle's (default 30, 7, 1)
    rows: list[PlanRow] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def new_assessments(self) -> int:
        return sum(not row.assessment_exists for row in self.rows)

    @property
    def new_accounts(self) -> int:
        return sum(row.user is None for row in self.rows)

    @property
    def invitations(self) -> int:
        return sum(row.invite for row in self.rows)


@dataclass(frozen=True)
class OpenResult:
    cycle: Cycle
    participations: int
    assessments_opened: int
    accounts_created: int
    accounts_reused: int
    invitations_sent: int

    def summary(self) -> str:
        return _(
            "%(assessments)s assessments opened, %(invitations)s invitations sent "
            "(%(participants)s participants; %(created)s focal point accounts created, "
            "%(reused)s reused)."
        ) % {
            "assessments": self.assessments_opened,
            "invitations": self.invitations_sent,
            "participants": self.participations,
            "created": self.accounts_created,
            "reused": self.accounts_reused,
        }


def _needs_invitation(user: Any) -> bool:
    """A focal point who cannot sign in yet and was never invited."""
    if user is None:
        return True
    if user.has_usable_password():
        return False
    return not Invitation.objects.filter(user=user).exists()


def cycle_plan(
    *,
    code: str,
    name_en: str,
    name_fr: str = "",
    framework_code: str,
    deadline: date | None,
    data: bytes,
    file_name: str,
    reminder_days: list[int] | None = None,
) -> CyclePlan:
    """Checks the cycle's settings and the participants file; lists every problem, writes nothing."""
    code = (code or "").strip()
    framework = FrameworkVersion.objects.filter(code=framework_code).first()
    cycle = Cycle.objects.filter(code=code).select_related("framework").first() if code else None
    plan = CyclePlan(
        code=code,
        name_en=(name_en or "").strip(),
        name_fr=(name_fr or name_en or "").strip(),
        framework=framework,
        deadline=deadline,
        cycle=cycle,
        reminder_days=reminder_days,
    )
    if reminder_days is not None:
        try:
            validate_reminder_days(reminder_days)
        except ValidationError as exc:
            plan.problems.extend(exc.messages)
    if not code or not re.fullmatch(r"[-a-zA-Z0-9_]+", code):
        plan.problems.append(
            _("The cycle code must be letters, digits, hyphens or underscores, e.g. review-2027.")
        )
    if not plan.name_en:
        plan.problems.append(_("Give the cycle a name."))
    if cycle is None and deadline is not None and deadline < timezone.localdate():
        plan.problems.append(
            _("The deadline %(date)s has passed: give a date from today on.")
            % {"date": deadline.isoformat()}
        )
    if framework is None:
        plan.problems.append(
            _("There is no framework version “%(code)s”.") % {"code": framework_code}
        )
    elif cycle is not None and cycle.framework_id != framework.pk:
        plan.problems.append(
            _(
                "The cycle %(code)s already exists with framework %(framework)s; "
                "a cycle's framework cannot change."
            )
            % {"code": code, "framework": cycle.framework.code}
        )
    try:
        table = read_table(data, file_name)
    except ValueError as exc:
        plan.problems.append(str(exc))
        return plan
    columns = [_column_key(h) for h in table.header]
    for required in ("country", "focal_point_email"):
        if required not in columns:
            plan.problems.append(
                _("The file has no “%(column)s” column (expected columns: %(columns)s).")
                % {"column": required, "columns": ", ".join(PARTICIPANT_COLUMNS)}
            )
    unknown = [
        h for h, key in zip(table.header, columns, strict=True) if key not in PARTICIPANT_COLUMNS
    ]
    if unknown:
        plan.problems.append(
            _("Unknown columns: %(columns)s (expected: %(expected)s).")
            % {"columns": ", ".join(unknown), "expected": ", ".join(PARTICIPANT_COLUMNS)}
        )
    if "country" not in columns or "focal_point_email" not in columns:
        return plan
    countries = Country.objects.in_bulk(field_name="code")
    User = get_user_model()
    seen_countries: dict[str, int] = {}
    seen_emails: dict[str, int] = {}
    existing_participations = (
        {p.country_id: p for p in Participation.objects.filter(cycle=cycle)} if cycle else {}
    )
    existing_assessments = (
        set(Assessment.objects.filter(cycle=cycle).values_list("country_id", flat=True))
        if cycle
        else set()
    )
    for number, cells in table.rows:
        values = {
            key: (cells[i] if i < len(cells) else "").strip() for i, key in enumerate(columns)
        }

        def problem(message: str, number: int = number) -> None:
            plan.problems.append(
                _("Row %(row)s: %(problem)s") % {"row": number, "problem": message}
            )

        before = len(plan.problems)
        country_code = values.get("country", "")
        country = countries.get(country_code) or countries.get(country_code.upper())
        if country is not None:
            country_code = country.code
        if not country_code:
            problem(_("the country code is empty."))
        elif country is None:
            problem(_("“%(code)s” is not a known country code.") % {"code": country_code})
        elif country_code in seen_countries:
            problem(
                _("%(code)s is already on row %(row)s.")
                % {"code": country_code, "row": seen_countries[country_code]}
            )
        else:
            seen_countries[country_code] = number
        groups: dict[str, str] = {}
        for column in ("income_group", "region", "survey"):
            try:
                groups[column] = _group_value(column, values.get(column, ""))
            except ValueError as exc:
                problem(str(exc))
        email = values.get("focal_point_email", "").lower()
        try:
            validate_email(email)
        except ValidationError:
            problem(
                _("“%(email)s” is not an e-mail address.") % {"email": email}
                if email
                else _("the focal point's e-mail address is empty.")
            )
        else:
            if email in seen_emails:
                problem(
                    _("%(email)s is already the focal point on row %(row)s.")
                    % {"email": email, "row": seen_emails[email]}
                )
            seen_emails[email] = number
        language = values.get("language", "").lower()[:2]
        if language not in ("", "en", "fr"):
            problem(_("the language must be en or fr."))
        user = (
            User.objects.filter(Q(email__iexact=email) | Q(username__iexact=email))
            .select_related("profile")
            .first()
            if email
            else None
        )
        if user is not None and country is not None:
            profile = getattr(user, "profile", None)
            if user.is_superuser or (
                profile is not None
                and profile.role
                and (profile.role != Role.FOCAL_POINT or profile.country_id != country.pk)
            ):
                problem(
                    _(
                        "%(email)s already has an account with another role or country; "
                        "use another address or change that account in the admin first."
                    )
                    % {"email": email}
                )
        if len(plan.problems) != before or country is None:
            continue
        name = values.get("focal_point_name", "").split()
        existing = existing_participations.get(country.pk)
        if existing is None:
            participation = "new"
        elif (existing.income_group, existing.region, existing.survey) != (
            groups["income_group"],
            groups["region"],
            groups["survey"],
        ):
            participation = "changed"
        else:
            participation = "same"
        plan.rows.append(
            PlanRow(
                number=number,
                country=country,
                income_group=groups["income_group"],
                region=groups["region"],
                survey=groups["survey"],
                email=email,
                first_name=name[0] if name else "",
                last_name=" ".join(name[1:]),
                language=language,
                participation=participation,
                assessment_exists=country.pk in existing_assessments,
                user=user,
                invite=_needs_invitation(user),
            )
        )
    if not table.rows:
        plan.problems.append(_("The file has no participants."))
    return plan


@transaction.atomic
def cycle_open(*, plan: CyclePlan, user: User | None, request: Any = None) -> OpenResult:
    """Applies a plan without problems: cycle, participations, assessments, focal points, invitations.

    Idempotent: a second run with the same file creates nothing and sends no invitation (focal points
    already invited are re-invited only on request, see ``services.invitation_send``).
    """
    if not plan.ok or plan.framework is None:
        raise ValidationError(plan.problems or [_("The plan has problems.")])
    User = get_user_model()
    cycle, _created = Cycle.objects.get_or_create(
        code=plan.code,
        defaults={
            "name_en": plan.name_en,
            "name_fr": plan.name_fr,
            "framework": plan.framework,
            "deadline": plan.deadline,
            **({"reminder_days": plan.reminder_days} if plan.reminder_days is not None else {}),
            "opens_on": timezone.localdate()
            if plan.deadline is None
            else min(timezone.localdate(), plan.deadline),
        },
    )
    if not _created:
        changed = []
        for attr, value in (("name_en", plan.name_en), ("name_fr", plan.name_fr)):
            if value and getattr(cycle, attr) != value:
                setattr(cycle, attr, value)
                changed.append(attr)
        if plan.deadline and cycle.deadline != plan.deadline:
            cycle.deadline = plan.deadline
            changed.append("deadline")
        if plan.reminder_days is not None and cycle.reminder_days != plan.reminder_days:
            cycle.reminder_days = plan.reminder_days
            changed.append("reminder_days")
        if changed:
            cycle.save(update_fields=changed)
    opened = created_accounts = reused = invited = 0
    for row in plan.rows:
        services.participation_set(
            cycle=cycle,
            country=row.country,
            income_group=row.income_group,
            region=row.region,
            survey=row.survey,
        )
        _assessment, new = Assessment.objects.get_or_create(country=row.country, cycle=cycle)
        opened += new
        account = User.objects.filter(
            Q(email__iexact=row.email) | Q(username__iexact=row.email)
        ).first()
        if account is None:
            account = User(
                username=row.email,
                email=row.email,
                first_name=row.first_name,
                last_name=row.last_name,
            )
            account.set_unusable_password()
            account.save()
            created_accounts += 1
        else:
            reused += 1
        profile, _p = Profile.objects.get_or_create(
            user=account,
            defaults={
                "role": Role.FOCAL_POINT,
                "country": row.country,
                "language": row.language or "en",
            },
        )
        if profile.role != Role.FOCAL_POINT or profile.country_id != row.country.pk:
            profile.role, profile.country = Role.FOCAL_POINT, row.country
            profile.save(update_fields=["role", "country"])
        account.profile = profile
        if _needs_invitation(account):
            services.invitation_send(user=account, inviter=user, request=request, cycle=cycle)
            invited += 1
    return OpenResult(
        cycle=cycle,
        participations=len(plan.rows),
        assessments_opened=opened,
        accounts_created=created_accounts,
        accounts_reused=reused,
        invitations_sent=invited,
    )


# ---------------------------------------------------------------------------------------------
# Deadlines and reminders


@transaction.atomic
def deadline_extend(
    *, assessment: Assessment, new_deadline: date, reason: str, user: User
) -> DeadlineExtension:
    """Moves one country's deadline later; recorded with who, when, from, to and why."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Say why the deadline is extended: it is recorded."))
    assessment = (
        Assessment.objects.select_for_update().select_related("cycle").get(pk=assessment.pk)
    )
    current = assessment.effective_deadline
    if current is not None and new_deadline <= current:
        raise ValidationError(
            _("The new deadline must be after the current one (%(date)s).")
            % {"date": current.isoformat()}
        )
    extension = DeadlineExtension.objects.create(
        assessment=assessment,
        old_deadline=current,
        new_deadline=new_deadline,
        reason=reason,
        changed_by=user,
    )
    assessment.deadline = new_deadline
    assessment.save(update_fields=["deadline", "updated_at"])
    return extension


def reminder_due(assessment: Assessment, today: date) -> int | None:
    """Which reminder is due today for an assessment not yet submitted, or None.

    Before the deadline: the smallest offset (days before) already reached, so a missed run sends
    one reminder, not several. After the deadline: AFTER_DEADLINE.
    """
    deadline = assessment.effective_deadline
    if deadline is None or assessment.status in (Status.SUBMITTED, Status.VALIDATED):
        return None
    if today > deadline:
        return AFTER_DEADLINE
    days_left = (deadline - today).days
    reached = [d for d in assessment.cycle.reminder_days or [] if int(d) >= days_left]
    return min(int(d) for d in reached) if reached else None


def reminders_send(*, today: date | None = None) -> int:
    """Sends every reminder due ``today`` (default: the local date) once; returns how many sent.

    A reminder is recorded (ReminderSent, unique per assessment, deadline and offset) in the same
    transaction that queues its e-mails, so it is never sent twice, even by two runs at once.
    """
    today = today or timezone.localdate()
    assessments = (
        Assessment.objects.exclude(status__in=[Status.SUBMITTED, Status.VALIDATED])
        .filter(Q(deadline__isnull=False) | Q(cycle__deadline__isnull=False))
        .select_related("cycle", "country")
        .order_by("cycle_id", "country__name_en")
    )
    sent = 0
    for assessment in assessments:
        days = reminder_due(assessment, today)
        if days is None:
            continue
        deadline = assessment.effective_deadline
        if ReminderSent.objects.filter(
            assessment=assessment, deadline=deadline, days=days
        ).exists():
            continue
        recipients = list(
            get_user_model()
            .objects.filter(
                profile__country_id=assessment.country_id,
                profile__role=Role.FOCAL_POINT,
                is_active=True,
            )
            .exclude(email="")
            .select_related("profile")
        )
        if not recipients:
            continue  # nobody to tell yet: tried again at the next run
        try:
            with transaction.atomic():
                ReminderSent.objects.create(
                    assessment=assessment, deadline=deadline, days=days, recipients=len(recipients)
                )
                for recipient in recipients:
                    message = mail.build(
                        "reminder",
                        user=recipient,
                        context={
                            "assessment": assessment,
                            "country": assessment.country,
                            "cycle": assessment.cycle,
                            "deadline": deadline,
                            "days_left": (deadline - today).days,
                            "days_overdue": (today - deadline).days,
                            "link": mail.site_url()
                            + reverse("capabilities:dashboard", args=[assessment.pk]),
                        },
                    )
                    transaction.on_commit(partial(mail.send_logged, message))
        except IntegrityError:
            continue  # another run sent it a moment ago
        sent += 1
    return sent


# ---------------------------------------------------------------------------------------------
# Notifications to the secretariat


def secretariat_users() -> QuerySet[Any]:
    """Active analysts and administrators."""
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(is_superuser=True) | Q(profile__role=Role.ANALYST))
        .select_related("profile")
        .distinct()
    )


def notify_secretariat(*, assessment: Assessment, change: StatusChange) -> int:
    """Tells the secretariat that a country submitted (or resubmitted): a home-page notification
    for each, and an e-mail to those who want one. Returns how many were notified."""
    if change.to_status != Status.SUBMITTED:
        return 0
    previous = (
        StatusChange.objects.filter(assessment=assessment, to_status=Status.SUBMITTED)
        .exclude(pk=change.pk)
        .exists()
    )
    kind = NotificationKind.RESUBMITTED if previous else NotificationKind.SUBMITTED
    users = list(secretariat_users())
    Notification.objects.bulk_create(
        [Notification(recipient=u, assessment=assessment, kind=kind) for u in users]
    )
    for recipient in users:
        profile = getattr(recipient, "profile", None)
        if not recipient.email or (profile is not None and not profile.notify_by_email):
            continue
        message = mail.build(
            "submitted",
            user=recipient,
            context={
                "assessment": assessment,
                "country": assessment.country,
                "cycle": assessment.cycle,
                "resubmitted": previous,
                "link": mail.site_url() + reverse("capabilities:review", args=[assessment.pk]),
            },
        )
        transaction.on_commit(partial(mail.send_logged, message))
    return len(users)


# ---------------------------------------------------------------------------------------------
# The cycle dashboard


@dataclass(frozen=True)
class DashboardRow:
    assessment: Assessment
    country: Country
    status: str
    status_label: str
    answered: int
    total: int
    deadline: date | None
    last_activity: Any
    reminders: int
    days_overdue: int
    resubmitted: bool

    @property
    def percent(self) -> int:
        return round(100 * self.answered / self.total) if self.total else 0


DASHBOARD_SORTS = ("country", "status", "progress", "deadline", "activity", "reminders", "overdue")


def dashboard_rows(
    *,
    cycle: Cycle,
    assessments: AssessmentQuerySet,
    status: str = "",
    sort: str = "country",
    today: date | None = None,
) -> list[DashboardRow]:
    """Every participant's assessment in ``cycle`` (from the caller's permitted queryset):
    status, progress, deadline, last activity, reminders sent, days overdue. Three queries."""
    today = today or timezone.localdate()
    from .models import Question

    total = Question.objects.filter(framework_id=cycle.framework_id).count()
    qs = (
        assessments.filter(cycle=cycle)
        .select_related("country", "cycle")
        .with_progress()
        .annotate(
            reminder_count=Count("reminders", distinct=True),
            last_answer=Max("answers__updated_at"),
            submissions=Count(
                "status_changes",
                filter=Q(status_changes__to_status=Status.SUBMITTED),
                distinct=True,
            ),
        )
    )
    if status:
        qs = qs.filter(status=status)
    rows = []
    for a in qs:
        deadline = a.deadline or cycle.deadline
        open_ = a.status not in (Status.SUBMITTED, Status.VALIDATED)
        overdue = (today - deadline).days if deadline and open_ and today > deadline else 0
        activity = max(x for x in (a.updated_at, a.last_answer) if x is not None)
        rows.append(
            DashboardRow(
                assessment=a,
                country=a.country,
                status=a.status,
                status_label=str(Status(a.status).label),
                answered=a.answered_count,  # type: ignore[attr-defined]  # with_progress() annotation
                total=total,
                deadline=deadline,
                last_activity=activity,
                reminders=a.reminder_count,
                days_overdue=overdue,
                resubmitted=a.submissions > 1 and a.status == Status.SUBMITTED,
            )
        )
    keys = {
        "country": lambda r: r.country.name.lower(),
        "status": lambda r: (list(Status.values).index(r.status), r.country.name.lower()),
        "progress": lambda r: (r.percent, r.country.name.lower()),
        "deadline": lambda r: (r.deadline or date.max, r.country.name.lower()),
        "activity": lambda r: r.last_activity,
        "reminders": lambda r: (r.reminders, r.country.name.lower()),
        "overdue": lambda r: (r.days_overdue, r.country.name.lower()),
    }
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    rows.sort(key=keys.get(key, keys["country"]), reverse=descending)
    return rows
