"""Template pieces of running a cycle, kept out of the views they appear in."""

from __future__ import annotations

from typing import Any

from django import template

from capabilities import permissions
from capabilities.models import Assessment, Notification

register = template.Library()


@register.inclusion_tag("capabilities/_secretariat_panel.html", takes_context=True)
def secretariat_panel(context: dict[str, Any]) -> dict[str, Any]:
    """The secretariat's home-page panel: unread notifications of submissions (the 20 newest),
    the e-mail preference and opening a cycle (each cycle's progress page is in the home page's
    table of cycles). One query."""
    user = context["request"].user
    if not permissions.is_analyst(user):
        return {"show": False}
    notifications = list(
        Notification.objects.filter(recipient=user, read_at__isnull=True)
        .select_related("assessment__country", "assessment__cycle")
        .order_by("-created_at", "-pk")[:20]
    )
    profile = permissions.profile_of(user)
    return {
        "show": True,
        "notifications": notifications,
        "notify_by_email": profile.notify_by_email if profile is not None else True,
        "csrf_token": context.get("csrf_token"),
    }


@register.simple_tag
def unresolved_comment_count(assessment: Assessment) -> int:
    """Unresolved comment threads on the assessment's answers. One query."""
    from capabilities.questionnaire import unresolved_thread_count

    return unresolved_thread_count(assessment)


@register.simple_tag
def changes_since_submission(assessment: Assessment) -> object:
    """capabilities.questionnaire.changes_since_last_submission (None unless resubmitted)."""
    from capabilities.questionnaire import changes_since_last_submission

    return changes_since_last_submission(assessment)


@register.inclusion_tag("capabilities/_email_preference.html", takes_context=True)
def email_preference(context: dict[str, Any]) -> dict[str, Any]:
    """A focal point's switch for e-mails about returns and validations."""
    profile = permissions.profile_of(context["request"].user)
    return {
        "notify_by_email": profile.notify_by_email if profile is not None else True,
        "csrf_token": context.get("csrf_token"),
    }
