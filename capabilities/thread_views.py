"""Comment threads on one answer: read them, reply (country and secretariat), resolve, reopen.

The secretariat starts a thread from the review page (views.review_comment); the thread page is
where both sides continue it. Every comment and every resolve/reopen stays in the thread.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from . import permissions, questionnaire, services, values
from .models import Question, ReviewComment
from .permissions import AuthenticatedRequest


@require_http_methods(["GET", "POST"])
def comment_thread(request: AuthenticatedRequest, pk: int, question_id: int) -> HttpResponse:
    user = request.user
    assessment = permissions.get_assessment_for_user(user, pk)
    question = get_object_or_404(
        Question.objects.select_related("capability__domain").prefetch_related("options"),
        pk=question_id,
        framework_id=assessment.cycle.framework_id,
    )
    may_discuss = permissions.can_discuss(user, assessment)
    error = ""
    status = 200
    if request.method == "POST":
        if not may_discuss:
            raise PermissionDenied("You cannot take part in this discussion.")
        thread = get_object_or_404(
            ReviewComment.objects.filter(
                assessment=assessment, question=question, parent__isnull=True
            ),
            pk=request.POST.get("thread") or 0,
        )
        action = request.POST.get("action", "reply")
        text = request.POST.get("text", "")
        try:
            if action == "resolve":
                services.comment_set_resolved(thread=thread, user=user, resolved=True, text=text)
                messages.success(request, _("Thread resolved."))
            elif action == "reopen":
                services.comment_set_resolved(thread=thread, user=user, resolved=False, text=text)
                messages.success(request, _("Thread reopened."))
            else:
                services.comment_reply(thread=thread, user=user, text=text)
                messages.success(request, _("Reply added."))
        except ValidationError as exc:
            error = " ".join(exc.messages)
            status = 400
        else:
            url = reverse("capabilities:comment_thread", args=[assessment.pk, question.pk])
            return redirect(f"{url}#thread-{thread.pk}")
    answer = questionnaire.answers_by_question(assessment).get(question.pk)
    context = {
        "assessment": assessment,
        "illustrative": assessment.cycle.is_illustrative,
        "question": question,
        "answer": answer,
        "display": values.display(question, answer.value) if answer else "",
        "threads": questionnaire.comment_threads(assessment, question),
        "may_discuss": may_discuss,
        "error": error,
        "error_thread": request.POST.get("thread", "") if error else "",
        "back": reverse("capabilities:review", args=[assessment.pk])
        if permissions.is_analyst(user)
        else reverse("capabilities:domain", args=[assessment.pk, question.capability.domain.code]),
    }
    return render(request, "capabilities/comment_thread.html", context, status=status)
