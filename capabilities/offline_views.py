"""Pages of the offline questionnaire (issue 15): download the workbook, upload it with a preview
of what it changes, confirm (choosing per conflict), the printable PDFs, and starting from last
cycle's answers.

Access goes through capabilities.permissions; reading and previewing through
capabilities.offline; writing through capabilities.services.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import filesizeformat
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import labels, offline, permissions, services
from .models import Assessment, Domain
from .permissions import AuthenticatedRequest

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _session_key(assessment: Assessment) -> str:
    return f"offline-upload-{assessment.pk}"


def _lang(request: HttpRequest) -> str:
    return labels.language(request.GET.get("lang") or get_language())


def _attachment(data: bytes, name: str, content_type: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Filled questionnaire (.xlsx)"),
        help_text=gettext_lazy("The workbook downloaded from this page, with your answers."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if upload.size > offline.MAX_FILE_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(max)s.")
                % {"max": filesizeformat(offline.MAX_FILE_BYTES)}
            )
        return upload


@require_GET
def questionnaire_download(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The questionnaire as XLSX in the reader's language: a contributor's file has their domains."""
    assessment = permissions.get_assessment_for_user(request.user, pk)
    permissions.require_offline_questionnaire(request.user, assessment)
    lang = _lang(request)
    data = offline.build_workbook(assessment, user=request.user, lang=lang)
    return _attachment(data, offline.filename(assessment, lang), XLSX_CONTENT_TYPE)


def _render_upload(
    request: HttpRequest,
    assessment: Assessment,
    *,
    form: UploadForm,
    preview: offline.Preview | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    context = {
        "assessment": assessment,
        "form": form,
        "preview": preview,
        "error": error,
        "fingerprint": preview.fingerprint() if preview else "",
    }
    return render(request, "capabilities/questionnaire_upload.html", context, status=status)


@require_http_methods(["GET", "POST"])
def questionnaire_upload(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Upload a filled workbook and see what it would change; nothing is written here."""
    assessment = permissions.get_assessment_for_user(request.user, pk)
    permissions.require_offline_questionnaire(request.user, assessment)
    if not permissions.can_edit_assessment(request.user, assessment):
        raise PermissionDenied("This assessment cannot be changed now.")
    if request.method == "GET":
        return _render_upload(request, assessment, form=UploadForm())
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render_upload(request, assessment, form=form, status=400)
    data = form.cleaned_data["file"].read(offline.MAX_FILE_BYTES + 1)
    try:
        parsed = offline.read_workbook(data, questions=offline.questions_by_code(assessment))
        preview = offline.build_preview(assessment, user=request.user, parsed=parsed)
    except offline.OfflineFileError as exc:
        request.session.pop(_session_key(assessment), None)
        return _render_upload(request, assessment, form=UploadForm(), error=str(exc), status=400)
    request.session[_session_key(assessment)] = parsed.to_json()
    return _render_upload(request, assessment, form=UploadForm(), preview=preview)


@require_POST
def questionnaire_confirm(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Applies the previewed file, all or nothing, keeping the online answer of each conflict
    unless the person chose the file's."""
    assessment = permissions.get_assessment_for_user(request.user, pk)
    permissions.require_offline_questionnaire(request.user, assessment)
    if not permissions.can_edit_assessment(request.user, assessment):
        raise PermissionDenied("This assessment cannot be changed now.")
    stored = request.session.get(_session_key(assessment))
    if not stored:
        messages.error(request, _("Upload the file again: its preview has expired."))
        return redirect("capabilities:questionnaire_upload", pk=assessment.pk)
    parsed = offline.ParsedFile.from_json(stored)
    try:
        preview = offline.build_preview(assessment, user=request.user, parsed=parsed)
    except offline.OfflineFileError as exc:
        return _render_upload(request, assessment, form=UploadForm(), error=str(exc), status=400)
    if preview.fingerprint() != request.POST.get("fingerprint"):
        error = _(
            "Answers changed online while you were reading the preview. Here is the preview "
            "again; check it and confirm."
        )
        return _render_upload(
            request, assessment, form=UploadForm(), preview=preview, error=error, status=409
        )
    if not preview.can_apply:
        return _render_upload(request, assessment, form=UploadForm(), preview=preview, status=400)
    take_file = {
        conflict.question.code
        for conflict in preview.conflicts
        if request.POST.get(f"conflict-{conflict.question.code}") == "file"
    }
    entries = preview.entries(take_file)
    try:
        results = services.answers_save_offline(
            assessment=assessment, user=request.user, entries=entries
        )
    except services.StaleEntries:
        preview = offline.build_preview(assessment, user=request.user, parsed=parsed)
        error = _("Answers changed online meanwhile. Nothing was saved; check the preview again.")
        return _render_upload(
            request, assessment, form=UploadForm(), preview=preview, error=error, status=409
        )
    except services.WorkflowError as exc:
        return _render_upload(request, assessment, form=UploadForm(), error=str(exc), status=409)
    request.session.pop(_session_key(assessment), None)
    saved = sum(1 for result in results if result.changed)
    messages.success(
        request,
        ngettext(
            "%(count)s answer was saved from the file.",
            "%(count)s answers were saved from the file.",
            saved,
        )
        % {"count": saved},
    )
    return redirect("capabilities:dashboard", pk=assessment.pk)


@require_GET
def questionnaire_pdf(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """The printable questionnaire: blank, or with the current answers. Whoever may read the
    assessment may print it."""
    from reports import questionnaire_print

    if kind not in ("blank", "answers"):
        raise Http404("No such printout.")
    assessment = permissions.get_assessment_for_user(request.user, pk)
    lang = _lang(request)
    blank = kind == "blank"
    data = questionnaire_print.questionnaire_pdf(assessment, lang=lang, blank=blank)
    return _attachment(
        data, questionnaire_print.filename(assessment, lang, blank=blank), "application/pdf"
    )


@require_POST
def prefill(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Start from last cycle: copies the previous validated answers into unanswered questions."""
    assessment = permissions.get_assessment_for_user(request.user, pk, write=True)
    if not permissions.can_prefill_from_previous(request.user, assessment):
        raise PermissionDenied("Only the focal point starts from last cycle.")
    try:
        result = services.assessment_prefill_from_previous(assessment=assessment, user=request.user)
    except services.WorkflowError as exc:
        messages.error(request, str(exc))
        return redirect("capabilities:dashboard", pk=assessment.pk)
    text = ngettext(
        "%(count)s answer was copied from %(cycle)s. Each is marked “pre-filled” until someone "
        "checks and confirms it.",
        "%(count)s answers were copied from %(cycle)s. Each is marked “pre-filled” until someone "
        "checks and confirms it.",
        result.copied,
    ) % {"count": result.copied, "cycle": result.source.cycle.name}
    if result.skipped_answered:
        text += " " + ngettext(
            "%(count)s question already answered was left as it is.",
            "%(count)s questions already answered were left as they are.",
            result.skipped_answered,
        ) % {"count": result.skipped_answered}
    if result.skipped_invalid:
        text += " " + ngettext(
            "%(count)s answer no longer fits its question and was not copied.",
            "%(count)s answers no longer fit their questions and were not copied.",
            result.skipped_invalid,
        ) % {"count": result.skipped_invalid}
    messages.success(request, text)
    return redirect("capabilities:dashboard", pk=assessment.pk)


@require_POST
def prefill_confirm(request: AuthenticatedRequest, pk: int, code: str) -> HttpResponse:
    """Confirms the pre-filled answers of one domain after checking them."""
    assessment = permissions.get_assessment_for_user(request.user, pk, write=True)
    domain = get_object_or_404(Domain, framework=assessment.cycle.framework, code=code)
    permissions.require_edit_domain(request.user, assessment, domain)
    count = services.prefilled_confirm(
        assessment=assessment, user=request.user, domain_code=domain.code
    )
    messages.success(
        request,
        ngettext(
            "%(count)s pre-filled answer confirmed.",
            "%(count)s pre-filled answers confirmed.",
            count,
        )
        % {"count": count},
    )
    return redirect("capabilities:domain", pk=assessment.pk, code=domain.code)
