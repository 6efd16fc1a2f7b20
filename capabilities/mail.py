"""Outgoing e-mail: every message in its recipient's language, as plain text and HTML.

Templates are ``templates/emails/<name>_subject.txt``, ``<name>.txt`` and ``<name>.html``, rendered
with the recipient's language active. The backend comes from settings (console in development, SMTP
set by environment in production).
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation

from . import labels


def language_of(user: Any) -> str:
    """The user's chosen language (profile), English when none."""
    # A missing profile raises RelatedObjectDoesNotExist, an AttributeError: getattr gives None.
    profile = getattr(user, "profile", None) if user is not None else None
    return labels.language(profile.language if profile is not None else "")


def site_url(request: Any = None) -> str:
    """Scheme and host for links: from the request when there is one, else MRN_SITE_URL."""
    if request is not None:
        return f"{request.scheme}://{request.get_host()}"
    return settings.MRN_SITE_URL


def build(name: str, *, user: Any, context: dict[str, Any]) -> EmailMultiAlternatives:
    """The message ``name`` for ``user`` (who must have an e-mail address), in their language."""
    with translation.override(language_of(user)):
        ctx = {"user": user, **context}
        subject = " ".join(render_to_string(f"emails/{name}_subject.txt", ctx).split())
        text = render_to_string(f"emails/{name}.txt", ctx)
        html = render_to_string(f"emails/{name}.html", ctx)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [user.email])
    message.attach_alternative(html, "text/html")
    return message


logger = logging.getLogger(__name__)


def send_logged(message: EmailMultiAlternatives) -> None:
    """Sends a message after the transaction committed; a mail server failure is logged and does
    not undo or break what was already saved (the page or command still reports success)."""
    try:
        message.send()
    except Exception:  # any SMTP or socket error
        logger.exception("E-mail to %s could not be sent", ", ".join(message.to))
