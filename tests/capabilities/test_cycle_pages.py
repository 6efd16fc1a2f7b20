"""The secretariat's pages for running a cycle: open with a preview, progress dashboard and its
downloads, deadline extension, re-sent invitations, notifications of submissions."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from capabilities import services
from capabilities.models import (
    Assessment,
    DeadlineExtension,
    Invitation,
    Notification,
    Participation,
    Question,
    ReminderSent,
    Status,
)
from tests._workflow import force_submit
from tests.factories import answers_create

PARTICIPANTS = (
    "country,income_group,region,focal_point_email,focal_point_name,language\n"
    "GHA,lower_middle,sub_saharan_africa,ama@gov.example,Ama Mensah,en\n"
    "FRA,high,europe_central_asia,claire@gouv.example,Claire Martin,fr\n"
)


def _fields(**extra):
    return {
        "code": "review-2027",
        "name_en": "Review 2027",
        "name_fr": "Revue 2027",
        "framework": "MNR-2016",
        "deadline": "2027-06-30",
        "file": SimpleUploadedFile("participants.csv", PARTICIPANTS.encode(), "text/csv"),
        **extra,
    }


def test_open_page_previews_then_opens_on_confirm(
    client, analyst, reference, django_capture_on_commit_callbacks
):
    client.force_login(analyst)
    url = reverse("capabilities:cycle_open")
    response = client.post(url, _fields())
    assert response.status_code == 200
    page = response.content.decode()
    assert "Preview: nothing has been written yet" in page
    assert "Ghana" in page and "France" in page
    assert "Invitations to send: 2" in page
    assert not Assessment.objects.filter(cycle__code="review-2027").exists()
    assert mail.outbox == []

    payload = response.context["payload"]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"payload": payload, "confirm": "1"})
    assert response.status_code == 302
    assert response["Location"] == reverse("capabilities:cycle_dashboard", args=["review-2027"])
    assert Assessment.objects.filter(cycle__code="review-2027").count() == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["ama@gov.example", "claire@gouv.example"]
    # The link in the e-mail points at the host the secretariat used.
    assert "http://testserver/accounts/password/reset/" in mail.outbox[0].body

    # Confirming the same preview again changes nothing.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"payload": payload, "confirm": "1"})
    assert Assessment.objects.filter(cycle__code="review-2027").count() == 2
    assert mail.outbox == []


def test_open_page_lists_every_problem_and_writes_nothing(client, analyst, reference):
    client.force_login(analyst)
    bad = "country,focal_point_email\nXXX,a@b.example\nGHA,nope\n"
    response = client.post(
        reverse("capabilities:cycle_open"),
        _fields(file=SimpleUploadedFile("p.csv", bad.encode(), "text/csv")),
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "Row 2:" in page and "XXX" in page
    assert "Row 3:" in page and "nope" in page
    assert "Nothing was written" in page
    assert not Participation.objects.filter(cycle__code="review-2027").exists()


def test_tampered_preview_is_refused(client, analyst, reference):
    client.force_login(analyst)
    response = client.post(reverse("capabilities:cycle_open"), {"payload": "x:y", "confirm": "1"})
    assert response.status_code == 302
    assert not Assessment.objects.filter(cycle__code="review-2027").exists()


def test_dashboard_shows_progress_deadline_reminders_overdue_and_downloads(
    client, analyst, cycle, assessment_a, assessment_b, focal_a, questions
):
    cycle.deadline = timezone.localdate() - timedelta(days=3)
    cycle.save()
    services.answer_save(
        assessment=assessment_a, question=questions[0], value="yes", user=focal_a, base_version=0
    )
    Assessment.objects.filter(pk=assessment_b.pk).update(
        status=Status.SUBMITTED, submitted_at=timezone.now()
    )
    ReminderSent.objects.create(assessment=assessment_a, deadline=cycle.deadline, days=1)
    client.force_login(analyst)
    url = reverse("capabilities:cycle_dashboard", args=[cycle.code])
    response = client.get(url, {"sort": "-overdue"})
    assert response.status_code == 200
    rows = [row for row, _readable in response.context["rows"]]
    assert [r.country.code for r in rows] == ["GHA", "SRB"]
    ghana, serbia = rows
    assert (ghana.answered, ghana.reminders, ghana.days_overdue) == (1, 1, 3)
    assert (serbia.reminders, serbia.days_overdue) == (0, 0)  # submitted: never overdue
    assert ghana.total == Question.objects.filter(framework=cycle.framework).count()

    response = client.get(url, {"status": "submitted"})
    assert [r.country.code for r, _ in response.context["rows"]] == ["SRB"]

    response = client.get(url, {"format": "csv", "sort": "country"})
    assert response["Content-Type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert table[0][:3] == ["Country code", "Country", "Status"]
    assert [r[0] for r in table[1:]] == ["GHA", "SRB"]
    assert table[1][-1] == "3" and table[1][-2] == "1"

    response = client.get(url, {"format": "xlsx"})
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.max_row == 3


def test_deadline_extension_page_records_the_change(client, analyst, cycle, assessment_a):
    cycle.deadline = date(2027, 6, 30)
    cycle.save()
    client.force_login(analyst)
    url = reverse("capabilities:deadline_extend", args=[assessment_a.pk])
    response = client.post(url, {"new_deadline": "2027-07-15", "reason": ""})
    assert response.status_code == 400
    assert not DeadlineExtension.objects.exists()
    response = client.post(url, {"new_deadline": "2027-07-15", "reason": "Elections in June"})
    assert response.status_code == 302
    assessment_a.refresh_from_db()
    assert assessment_a.deadline == date(2027, 7, 15)
    record = DeadlineExtension.objects.get()
    assert (record.old_deadline, record.reason, record.changed_by) == (
        date(2027, 6, 30),
        "Elections in June",
        analyst,
    )
    assert "Elections in June" in client.get(url).content.decode()


def test_resend_invitation_only_to_focal_points_without_a_password(
    client, analyst, assessment_a, focal_a, django_capture_on_commit_callbacks
):
    client.force_login(analyst)
    url = reverse("capabilities:invitation_resend", args=[assessment_a.pk])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url)
    assert mail.outbox == []  # focal_a has a password already
    focal_a.set_unusable_password()
    focal_a.save()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url)
    assert [m.to for m in mail.outbox] == [["focal_a@example.org"]]
    assert Invitation.objects.filter(user=focal_a, sent_by=analyst).count() == 1


def test_secretariat_told_on_submit_and_resubmit(
    client,
    analyst,
    admin_user,
    focal_a,
    assessment_a,
    questions,
    django_capture_on_commit_callbacks,
):
    admin_user.profile.notify_by_email = False
    admin_user.profile.save()
    answers_create(assessment_a, questions, focal_a)  # every question: a real submission
    with django_capture_on_commit_callbacks(execute=True):
        services.assessment_submit(assessment=assessment_a, user=focal_a)
    to_secretariat = [m for m in mail.outbox if m.to == ["analyst@example.org"]]
    assert len(to_secretariat) == 1 and "submitted its assessment" in to_secretariat[0].subject
    assert to_secretariat[0].alternatives[0].mimetype == "text/html"
    assert not [m for m in mail.outbox if m.to == ["boss@example.org"]]  # e-mails off
    assert Notification.objects.filter(recipient=admin_user, kind="submitted").count() == 1

    services.assessment_return(assessment=assessment_a, user=analyst, reason="Add evidence.")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.assessment_submit(assessment=assessment_a, user=focal_a)
    assert "resubmitted" in next(m for m in mail.outbox if m.to == ["analyst@example.org"]).subject
    assert Notification.objects.filter(recipient=analyst, kind="resubmitted").count() == 1

    client.force_login(analyst)
    home = client.get(reverse("home")).content.decode()
    assert "Submissions since you last looked" in home
    assert home.count(reverse("capabilities:review", args=[assessment_a.pk])) >= 2
    client.post(reverse("capabilities:notifications"))
    assert not Notification.objects.filter(recipient=analyst, read_at__isnull=True).exists()
    client.post(reverse("capabilities:notifications"), {"notify_by_email": "off"})
    analyst.profile.refresh_from_db()
    assert analyst.profile.notify_by_email is False
    assert get_user_model().objects.get(pk=focal_a.pk).notifications.count() == 0


def test_focal_points_told_of_a_return_in_their_language_text_and_html_unless_they_opted_out(
    analyst,
    focal_a,
    make_user,
    country_a,
    assessment_a,
    questions,
    django_capture_on_commit_callbacks,
):
    from capabilities.models import Role

    french = make_user("fp_fr", Role.FOCAL_POINT, country_a)
    french.profile.language = "fr"
    french.profile.save()
    quiet = make_user("fp_quiet", Role.FOCAL_POINT, country_a)
    quiet.profile.notify_by_email = False
    quiet.profile.save()
    services.answer_save(
        assessment=assessment_a, question=questions[0], value="yes", user=focal_a, base_version=0
    )
    force_submit(assessment_a, focal_a)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.assessment_return(assessment=assessment_a, user=analyst, reason="Add evidence.")
    by_address = {m.to[0]: m for m in mail.outbox}
    assert set(by_address) == {"focal_a@example.org", "fp_fr@example.org"}
    assert "is now Draft" in by_address["focal_a@example.org"].subject
    assert "Brouillon" in by_address["fp_fr@example.org"].subject
    for message in by_address.values():
        assert "Add evidence." in message.body
        html, mimetype = message.alternatives[0]
        assert mimetype == "text/html" and "Add evidence." in html


# Session, the user with their profile, cycle, question count, the rows (one query), which rows
# link to a review; the download skips the link query.
QUERIES, QUERIES_CSV = 6, 5


def test_cycle_dashboard_costs_the_same_queries_with_5_and_50_countries(
    client, analyst, cycle, django_assert_num_queries
):
    from tests.capabilities.test_query_counts import _countries

    client.force_login(analyst)
    url = reverse("capabilities:cycle_dashboard", args=[cycle.code]) + "?sort=-progress"
    _countries(cycle, 5)
    with django_assert_num_queries(QUERIES):
        client.get(url)
    _countries(cycle, 45, offset=5)
    with django_assert_num_queries(QUERIES):
        response = client.get(url)
    assert len(response.context["rows"]) == 50
    with django_assert_num_queries(QUERIES_CSV):
        client.get(url + "&format=csv")


def test_a_focal_point_turns_status_e_mails_off_from_the_home_page(client, focal_a):
    client.force_login(focal_a)
    assert "You get an e-mail when your country" in client.get(reverse("home")).content.decode()
    client.post(reverse("capabilities:notifications"), {"notify_by_email": "off"})
    focal_a.profile.refresh_from_db()
    assert focal_a.profile.notify_by_email is False
    assert "You get no e-mail" in client.get(reverse("home")).content.decode()
