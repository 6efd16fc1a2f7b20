"""The secretariat's pages for running a cycle: open it from a participants file (with a preview),
follow its progress (dashboard, CSV/XLSX), extend a country's deadline, re-send an invitation, and
its notifications.

Analysts and administrators only; every assessment query starts from capabilities.permissions.
"""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from reports import exports

from . import cycles, permissions, services
from .forms import CycleOpenForm, DeadlineExtensionForm
from .models import Cycle, DeadlineExtension, Notification, Profile, Role, Status
from .permissions import AuthenticatedRequest

_SIGNING_SALT = "capabilities.cycle_open"


def _plan_from(data: dict[str, Any], content: bytes, file_name: str) -> cycles.CyclePlan:
    from datetime import date

    deadline = data.get("deadline")
    return cycles.cycle_plan(
        code=data["code"],
        name_en=data["name_en"],
        name_fr=data.get("name_fr", ""),
        framework_code=data["framework"],
        deadline=date.fromisoformat(deadline) if deadline else None,
        data=content,
        file_name=file_name,
        reminder_days=data.get("reminder_days"),
    )


@require_http_methods(["GET", "POST"])
def cycle_open(request: AuthenticatedRequest) -> HttpResponse:
    """Step 1: the cycle's settings and the participants file → a preview of every row and every
    problem, nothing written. Step 2 (``confirm``): the previewed file is applied."""
    permissions.require_analyst(request.user)
    plan = None
    token = ""
    if request.method == "POST" and "confirm" in request.POST:
        try:
            payload = signing.loads(
                request.POST.get("payload", ""), salt=_SIGNING_SALT, max_age=3600
            )
        except signing.BadSignature:
            messages.error(request, _("The preview expired. Upload the file again."))
            return redirect("capabilities:cycle_open")
        content = base64.b64decode(payload["file"])
        plan = _plan_from(payload["fields"], content, payload["file_name"])
        if plan.ok:
            result = cycles.cycle_open(plan=plan, user=request.user, request=request)
            messages.success(request, result.summary())
            return redirect("capabilities:cycle_dashboard", code=result.cycle.code)
        form = CycleOpenForm(initial=payload["fields"])
    elif request.method == "POST":
        form = CycleOpenForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            content = upload.read(settings.MRN_MAX_UPLOAD_BYTES + 1)
            fields = {
                "code": form.cleaned_data["code"],
                "name_en": form.cleaned_data["name_en"],
                "name_fr": form.cleaned_data["name_fr"],
                "framework": form.cleaned_data["framework"].code,
                "deadline": form.cleaned_data["deadline"].isoformat(),
                "reminder_days": form.cleaned_data["reminder_days"],
            }
            plan = _plan_from(fields, content, upload.name)
            if plan.ok:
                token = signing.dumps(
                    {
                        "fields": fields,
                        "file": base64.b64encode(content).decode("ascii"),
                        "file_name": upload.name,
                    },
                    salt=_SIGNING_SALT,
                    compress=True,
                )
    else:
        form = CycleOpenForm()
    status = 422 if plan is not None and not plan.ok else 400 if form.errors else 200
    return render(
        request,
        "capabilities/cycle_open.html",
        {"form": form, "plan": plan, "payload": token},
        status=status,
    )


def _cycle_for(code: str) -> Cycle:
    return get_object_or_404(Cycle.objects.select_related("framework"), code=code)


def _dashboard_table(cycle: Cycle, rows: list[cycles.DashboardRow]) -> exports.Table:
    header = (
        _("Country code"),
        _("Country"),
        _("Status"),
        _("Resubmitted"),
        _("Answered"),
        _("Questions"),
        _("Deadline"),
        _("Last activity"),
        _("Reminders sent"),
        _("Days overdue"),
    )
    return exports.rows_to_table(
        cycle.code,
        header,
        (
            (
                r.country.code,
                r.country.name,
                r.status_label,
                _("yes") if r.resubmitted else "",
                r.answered,
                r.total,
                r.deadline.isoformat() if r.deadline else "",
                timezone.localtime(r.last_activity).strftime("%Y-%m-%d %H:%M")
                if r.last_activity
                else "",
                r.reminders,
                r.days_overdue,
            )
            for r in rows
        ),
    )


@require_GET
def cycle_dashboard(request: HttpRequest, code: str) -> HttpResponse:
    """Every participant's status, progress, deadline, last activity, reminders sent and days
    overdue; filter by status, sort by any column; the same table as CSV or XLSX."""
    permissions.require_analyst(request.user)
    cycle = _cycle_for(code)
    status = request.GET.get("status", "")
    if status not in Status.values:
        status = ""
    sort = request.GET.get("sort", "country")
    if sort.lstrip("-") not in cycles.DASHBOARD_SORTS:
        sort = "country"
    rows = cycles.dashboard_rows(
        cycle=cycle,
        assessments=permissions.cycle_assessments(request.user, cycle),
        status=status,
        sort=sort,
    )
    fmt = request.GET.get("format", "")
    if fmt in ("csv", "xlsx"):
        table = _dashboard_table(cycle, rows)
        if fmt == "csv":
            body, content_type = exports.to_csv(table), exports.CSV_CONTENT_TYPE
        else:
            body, content_type = exports.to_xlsx(table), exports.XLSX_CONTENT_TYPE
        response = HttpResponse(body, content_type=content_type)
        name = exports.filename("progress", cycle.code, status or None, ext=fmt)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    descending = sort.startswith("-")
    columns = []
    for name, label in (
        ("country", _("Country")),
        ("status", _("Status")),
        ("progress", _("Answered")),
        ("deadline", _("Deadline")),
        ("activity", _("Last activity")),
        ("reminders", _("Reminders sent")),
        ("overdue", _("Days overdue")),
    ):
        current = sort.lstrip("-") == name
        next_sort = f"-{name}" if current and not descending else name
        columns.append(
            {
                "label": label,
                "query": urlencode({"status": status, "sort": next_sort}),
                "aria_sort": ("descending" if descending else "ascending") if current else "",
            }
        )
    readable = {
        a.pk: a.answers_readable  # type: ignore[attr-defined]  # annotated by cycle_assessments
        for a in permissions.cycle_assessments(request.user, cycle).only("pk")
    }
    query = urlencode({"status": status, "sort": sort})
    return render(
        request,
        "capabilities/cycle_dashboard.html",
        {
            "cycle": cycle,
            "rows": [(row, readable.get(row.assessment.pk, False)) for row in rows],
            "columns": columns,
            "status": status,
            "sort": sort,
            "statuses": Status.choices,
            "query": query,
        },
    )


@require_http_methods(["GET", "POST"])
def deadline_extend(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Extends one country's deadline (recorded: from, to, why, who, when) and lists the record."""
    permissions.require_analyst(request.user)
    assessment = get_object_or_404(
        permissions.listed_assessments(request.user).select_related("country", "cycle"), pk=pk
    )
    form = DeadlineExtensionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            cycles.deadline_extend(
                assessment=assessment,
                new_deadline=form.cleaned_data["new_deadline"],
                reason=form.cleaned_data["reason"],
                user=request.user,
            )
        except ValidationError as exc:
            form.add_error("new_deadline", exc)
        else:
            messages.success(
                request,
                _("The deadline of %(country)s is now %(date)s.")
                % {
                    "country": assessment.country.name,
                    "date": form.cleaned_data["new_deadline"].isoformat(),
                },
            )
            return redirect("capabilities:cycle_dashboard", code=assessment.cycle.code)
    history = DeadlineExtension.objects.filter(assessment=assessment).select_related("changed_by")
    return render(
        request,
        "capabilities/deadline_extend.html",
        {"assessment": assessment, "form": form, "history": history},
        status=400 if form.errors else 200,
    )


@require_POST
def invitation_resend(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Sends the country's focal points who have not chosen a password yet a fresh link."""
    permissions.require_analyst(request.user)
    assessment = get_object_or_404(
        permissions.listed_assessments(request.user).select_related("country", "cycle"), pk=pk
    )
    users = (
        get_user_model()
        .objects.filter(
            profile__country_id=assessment.country_id,
            profile__role=Role.FOCAL_POINT,
            is_active=True,
        )
        .exclude(email="")
    )
    sent = 0
    for user in users:
        if user.has_usable_password():
            continue
        services.invitation_send(
            user=user, inviter=request.user, request=request, cycle=assessment.cycle
        )
        sent += 1
    if sent:
        messages.success(
            request,
            _("A new invitation went to %(count)s focal points of %(country)s.")
            % {"count": sent, "country": assessment.country.name},
        )
    else:
        messages.info(
            request,
            _("Every focal point of %(country)s has already chosen a password: nothing sent.")
            % {"country": assessment.country.name},
        )
    return redirect("capabilities:cycle_dashboard", code=assessment.cycle.code)


@require_POST
def notifications(request: AuthenticatedRequest) -> HttpResponse:
    """Marks the user's notifications read, or sets whether notifications also come by e-mail
    (the secretariat: submissions; focal points: returns and validations). Anyone signed in,
    for themselves only."""
    if "notify_by_email" in request.POST:
        profile, _created = Profile.objects.get_or_create(user=request.user)
        profile.notify_by_email = request.POST["notify_by_email"] == "on"
        profile.save(update_fields=["notify_by_email"])
        messages.success(
            request,
            _("E-mail notifications are on.")
            if profile.notify_by_email
            else _("E-mail notifications are off."),
        )
    else:
        Notification.objects.filter(recipient=request.user, read_at__isnull=True).update(
            read_at=timezone.now()
        )
    return redirect("home")


_FRAMEWORK_SALT = "capabilities.framework_upload"


@require_http_methods(["GET", "POST"])
def framework_upload(request: HttpRequest) -> HttpResponse:
    """Administrators load a framework version from a file: a preview first (every problem, or
    what would be created and updated), then confirm."""
    from .forms import FrameworkUploadForm
    from .framework_file import FrameworkFileRefused, load

    if not permissions.is_admin(request.user):
        raise PermissionDenied("Administrators only.")
    result = None
    problems: list[str] = []
    token = ""
    form = FrameworkUploadForm()
    if request.method == "POST" and "confirm" in request.POST:
        try:
            payload = signing.loads(
                request.POST.get("payload", ""), salt=_FRAMEWORK_SALT, max_age=3600
            )
        except signing.BadSignature:
            messages.error(request, _("The preview expired. Upload the file again."))
            return redirect("capabilities:framework_upload")
        try:
            result = load(base64.b64decode(payload["file"]), payload["file_name"])
        except FrameworkFileRefused as exc:
            problems = exc.problems
        else:
            messages.success(request, " ".join(str(line) for line in result.lines()))
            return redirect("capabilities:framework_upload")
    elif request.method == "POST":
        form = FrameworkUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            content = upload.read(settings.MRN_MAX_UPLOAD_BYTES + 1)
            try:
                result = load(content, upload.name, dry_run=True)
            except FrameworkFileRefused as exc:
                problems = exc.problems
            else:
                token = signing.dumps(
                    {"file": base64.b64encode(content).decode("ascii"), "file_name": upload.name},
                    salt=_FRAMEWORK_SALT,
                    compress=True,
                )
    status = 422 if problems else 400 if form.errors else 200
    return render(
        request,
        "capabilities/framework_upload.html",
        {"form": form, "result": result, "problems": problems, "payload": token},
        status=status,
    )
