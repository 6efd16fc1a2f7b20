"""Who may see and change what: the one place that decides (PRODUCT.md, "Who uses it").

- focal point: one country; edits all of its answers, submits, sees its own reports.
- contributor: one country, chosen domains; edits answers in those domains; cannot submit.
- analyst: all countries; reads assessments once submitted, comments, returns, validates, compares,
  exports. Drafts that were never submitted stay private to the country.
- administrator (Django superuser): everything.

Views call these functions and never repeat their logic. Every queryset of assessment data a view
uses starts from ``visible_assessments(user)``.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.models import User as AuthUser
from django.core.exceptions import PermissionDenied
from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet, Value
from django.http import Http404, HttpRequest

from .models import (
    Assessment,
    AssessmentQuerySet,
    Country,
    Cycle,
    Domain,
    Profile,
    Question,
    Role,
    Status,
)

User = AuthUser | AnonymousUser


class AuthenticatedRequest(HttpRequest):
    """The request of every view LoginRequiredMiddleware lets through (all but the
    ``@login_not_required`` ones): its user is signed in. For type checking only."""

    user: AuthUser


def profile_of(user: User) -> Profile | None:
    """The user's profile (cached on the user object by the ORM), or None."""
    if not user.is_authenticated:
        return None
    try:
        return user.profile
    except Profile.DoesNotExist:
        return None


def role_of(user: User) -> str:
    if not user.is_authenticated:
        return Role.NONE
    if user.is_superuser:
        return "admin"
    profile = profile_of(user)
    return profile.role if profile else Role.NONE


def is_admin(user: User) -> bool:
    return bool(user.is_authenticated and user.is_superuser)


def is_analyst(user: User) -> bool:
    """Analysts and administrators: the secretariat's view over all countries."""
    return role_of(user) in (Role.ANALYST, "admin")


def country_of(user: User) -> Country | None:
    """The country of a focal point or contributor; None for everyone else."""
    profile = profile_of(user)
    if profile and profile.role in (Role.FOCAL_POINT, Role.CONTRIBUTOR):
        return profile.country
    return None


def country_id_of(user: User) -> int | None:
    profile = profile_of(user)
    if profile and profile.role in (Role.FOCAL_POINT, Role.CONTRIBUTOR):
        return profile.country_id
    return None


# What an analyst may read: assessments that have been submitted at least once.
ANALYST_READABLE = Q(status__in=[Status.SUBMITTED, Status.VALIDATED]) | Q(
    submitted_at__isnull=False
)


def assessment_filter(user: User) -> Q:
    """The condition on Assessment rows whose answers the user may read."""
    if is_admin(user):
        return Q()
    if role_of(user) == Role.ANALYST:
        return ANALYST_READABLE
    country_id = country_id_of(user)
    if country_id is None:
        return Q(pk__in=[])
    return Q(country_id=country_id)


def visible_assessments(user: User) -> AssessmentQuerySet:
    """Assessments whose answers the user may read. No query until evaluated. (The rule lives
    here only: models.py never imports this module, so the two do not import each other.)"""
    return Assessment.objects.filter(assessment_filter(user))


def listed_assessments(user: User) -> AssessmentQuerySet:
    """Assessments the user may see listed with their status and progress (not their answers).

    Analysts see every assessment of a cycle in their list, drafts included, so they can follow
    progress; the answers of a never-submitted draft stay closed to them.
    """
    if is_analyst(user):
        return Assessment.objects.all()
    return visible_assessments(user)


def get_assessment_for_user(user: User, pk: int, *, write: bool = False) -> Assessment:
    """The assessment if the user may read it (and edit some of it when ``write``).

    Raises Http404 when the user may not read it (so its existence is not revealed), and
    PermissionDenied when they may read but not change it.
    """
    assessment = (
        visible_assessments(user)
        .select_related("country", "cycle__framework")
        .filter(pk=pk)
        .order_by("pk")  # one row: not the model's ordering, which joins for cycle and country
        .first()
    )
    if assessment is None:
        raise Http404("No such assessment.")
    if write and not can_edit_assessment(user, assessment):
        raise PermissionDenied("This assessment cannot be changed by you now.")
    return assessment


def can_edit_assessment(user: User, assessment: Assessment) -> bool:
    """Whether the user may change at least some answers of this assessment now."""
    if assessment.is_locked_for_country:
        return False
    role = role_of(user)
    if role == "admin":
        return True
    if role in (Role.FOCAL_POINT, Role.CONTRIBUTOR):
        return country_id_of(user) == assessment.country_id
    return False


def editable_domain_codes(user: User, assessment: Assessment) -> set[str] | None:
    """Domain codes the user may edit in this assessment: None means all, an empty set none."""
    if not can_edit_assessment(user, assessment):
        return set()
    profile = profile_of(user)
    if profile and profile.role == Role.CONTRIBUTOR:
        return set(profile.domain_codes or [])
    return None


def offline_file_domain_codes(user: User, assessment: Assessment) -> set[str] | None:
    """Domain codes the user's offline file carries (None: all): those they may edit; when they
    may edit nothing (a read-only copy), a contributor's own domains, anyone else's all."""
    codes = editable_domain_codes(user, assessment)
    if codes is None or can_edit_assessment(user, assessment):
        return codes
    profile = profile_of(user)
    if profile and profile.role == Role.CONTRIBUTOR:
        return set(profile.domain_codes or [])
    return None


def can_edit_domain(user: User, assessment: Assessment, domain: Domain) -> bool:
    codes = editable_domain_codes(user, assessment)
    return codes is None or domain.code in codes


def can_edit_question(user: User, assessment: Assessment, question: Question) -> bool:
    """Needs ``question.capability.domain`` loaded to stay query-free."""
    return can_edit_domain(user, assessment, question.capability.domain)


def can_submit(user: User, assessment: Assessment) -> bool:
    if assessment.status not in (Status.DRAFT, Status.NOT_STARTED):
        return False
    role = role_of(user)
    if role == "admin":
        return True
    return role == Role.FOCAL_POINT and country_id_of(user) == assessment.country_id


def can_review(user: User, assessment: Assessment) -> bool:
    """Comment, return or validate: analysts and administrators, on a submitted assessment."""
    return is_analyst(user) and assessment.status == Status.SUBMITTED


def aggregate_min_cell(user: User | None) -> int | None:
    """Suppression of whole-cycle aggregates for ``user``: exact (None) for analysts,
    administrators and management commands (``user`` None); K = settings.MRN_MIN_CELL for
    everyone else. Group breakdowns are always suppressed below K (capabilities.scoring)."""
    if user is None or is_analyst(user):
        return None
    return settings.MRN_MIN_CELL


def require_analyst(user: User) -> None:
    if not is_analyst(user):
        raise PermissionDenied("Analysts only.")


def require_admin(user: User) -> None:
    """Administrators only (the survey import upload)."""
    if not is_admin(user):
        raise PermissionDenied("Administrators only.")


def sees_every_bulk_export(user: User) -> bool:
    """Administrators follow every bulk export; an analyst only the ones they asked for."""
    return is_admin(user)


def can_see_country_profile(user: User, country: Country) -> bool:
    """Country profiles: the country's own team, analysts and administrators; and the teams of
    other countries when the country has opted in to share its profile with peers."""
    if is_analyst(user) or country_id_of(user) == country.pk:
        return True
    return country.shares_profile and country_id_of(user) is not None


def can_read_country_answers(user: User, country: Country) -> bool:
    """Whether the user may read the country's answers and reports at all (its own team,
    analysts and administrators); which assessments exactly is visible_assessments(user).
    Peers who see a shared profile may not. No query."""
    return is_analyst(user) or country_id_of(user) == country.pk


def profile_assessments(user: User, country: Country) -> AssessmentQuerySet:
    """The assessments a country profile is built from for ``user``.

    What the user may read; for a peer looking at a country that shares its profile, that
    country's submitted and validated assessments (its profile only: answers, comments and
    reports stay closed, since those go through visible_assessments).
    """
    if is_analyst(user) or country_id_of(user) == country.pk:
        return visible_assessments(user)
    if can_see_country_profile(user, country):
        return Assessment.objects.filter(country=country).scored()
    return Assessment.objects.none()


def require_country_profile(user: User, country: Country) -> None:
    if not can_see_country_profile(user, country):
        raise Http404("No such country profile.")


# ---------------------------------------------------------------------------------------------
# Questionnaire and workflow pages (issue 3). Each ``require_*`` raises PermissionDenied (403);
# whether the assessment may be read at all is decided first by get_assessment_for_user (404).


def require_edit_question(user: User, assessment: Assessment, question: Question) -> None:
    """Needs ``question.capability.domain`` loaded. Analysts never edit answers."""
    if not can_edit_question(user, assessment, question):
        raise PermissionDenied("You cannot change this answer.")


def require_edit_domain(user: User, assessment: Assessment, domain: Domain) -> None:
    if not can_edit_domain(user, assessment, domain):
        raise PermissionDenied("You cannot change the answers of this domain.")


def require_edit_some_domain(user: User, assessment: Assessment, domains: Iterable[Domain]) -> None:
    """For a page with several domains (the one-page questionnaire): the user may change the
    answers of at least one; each answer is then saved only if its domain is editable."""
    if not any(can_edit_domain(user, assessment, domain) for domain in domains):
        raise PermissionDenied("You cannot change the answers of this assessment.")


def require_submit(user: User, assessment: Assessment) -> None:
    if not can_submit(user, assessment):
        raise PermissionDenied("Only the country's focal point can submit a draft.")


def require_review(user: User, assessment: Assessment) -> None:
    """Comment, return or validate: an analyst on a submitted assessment."""
    if not can_review(user, assessment):
        raise PermissionDenied("Only analysts can review a submitted assessment.")


def review_queue(user: User) -> AssessmentQuerySet:
    """Submitted assessments waiting for review, for analysts (403 for everyone else)."""
    require_analyst(user)
    return visible_assessments(user).submitted()


def cycle_assessments(user: User, cycle: Cycle) -> AssessmentQuerySet:
    """Every assessment of the cycle the analyst may see listed, annotated ``answers_readable``.

    Analysts only (403 otherwise). ``answers_readable`` says whether the answers may be opened
    (never for a draft that was never submitted). No query until evaluated.
    """
    require_analyst(user)
    readable = assessment_filter(user)
    flag = (
        ExpressionWrapper(readable, output_field=BooleanField())
        if readable
        else Value(True, output_field=BooleanField())
    )
    return listed_assessments(user).for_cycle(cycle).annotate(answers_readable=flag)


def team_members(user: User) -> QuerySet[Profile]:
    """The profiles a focal point manages: its country's team. Empty for everyone else."""
    country_id = country_id_of(user)
    if role_of(user) != Role.FOCAL_POINT or country_id is None:
        return Profile.objects.none()
    return Profile.objects.filter(
        country_id=country_id, role__in=[Role.FOCAL_POINT, Role.CONTRIBUTOR]
    )


def require_team_manager(user: User) -> None:
    """Only a focal point assigns contributors of its own country (administrators use the admin)."""
    if role_of(user) != Role.FOCAL_POINT:
        raise PermissionDenied("Only a focal point manages the country's team.")


def can_discuss(user: User, assessment: Assessment) -> bool:
    """Who may reply to, resolve and reopen comment threads on an assessment's answers: the
    secretariat (analysts, administrators) and the country's own team, when they may read it."""
    if not assessment_filter_allows(user, assessment):
        return False
    return is_analyst(user) or country_id_of(user) == assessment.country_id


def assessment_filter_allows(user: User, assessment: Assessment) -> bool:
    """Whether ``assessment`` (already loaded) passes ``assessment_filter(user)``. One query."""
    return visible_assessments(user).filter(pk=assessment.pk).exists()


# ---------------------------------------------------------------------------------------------
# The offline questionnaire (issue 15)


def can_use_offline_questionnaire(user: User, assessment: Assessment) -> bool:
    """Download the questionnaire as a workbook: the country's focal points and contributors
    (a contributor's file carries only their domains) and administrators."""
    role = role_of(user)
    if role == "admin":
        return True
    return (
        role in (Role.FOCAL_POINT, Role.CONTRIBUTOR)
        and country_id_of(user) == assessment.country_id
    )


def require_offline_questionnaire(user: User, assessment: Assessment) -> None:
    if not can_use_offline_questionnaire(user, assessment):
        raise PermissionDenied("Only the country's team uses the offline questionnaire.")


def can_prefill_from_previous(user: User, assessment: Assessment) -> bool:
    """Start from last cycle: the focal point (or an administrator) of a draft or new assessment."""
    if assessment.is_locked_for_country:
        return False
    role = role_of(user)
    return role == "admin" or (
        role == Role.FOCAL_POINT and country_id_of(user) == assessment.country_id
    )
