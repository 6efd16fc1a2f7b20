"""The reviewer's "changes since the last submission" page: on a resubmission, what the country
changed (answers, their comments and evidence) and the comments written since, before re-reading
everything."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from . import permissions, questionnaire, values


@require_GET
def changes_since_submission(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    assessment = permissions.get_assessment_for_user(user, pk)
    permissions.require_analyst(user)
    changes = questionnaire.changes_since_last_submission(assessment)
    rows = []
    if changes is not None:
        for diff in changes.answers:
            rows.append(
                {
                    "diff": diff,
                    "old": values.display(diff.question, diff.old_value),
                    "new": values.display(diff.question, diff.new_value),
                }
            )
    return render(
        request,
        "capabilities/changes.html",
        {
            "assessment": assessment,
            "illustrative": assessment.cycle.is_illustrative,
            "changes": changes,
            "rows": rows,
        },
    )
