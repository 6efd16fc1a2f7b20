"""Opening a cycle from a participants file, invitations, deadlines and reminders."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import TestCase
from django.urls import reverse

from capabilities import cycles, services
from capabilities.models import (
    Assessment,
    DeadlineExtension,
    Invitation,
    Participation,
    Profile,
    ReminderSent,
    Role,
    Status,
)

PARTICIPANTS = (
    "country,income_group,region,focal_point_email,focal_point_name,language\n"
    "GHA,lower_middle,sub_saharan_africa,ama@gov.example,Ama Mensah,en\n"
    "FRA,high,europe_central_asia,claire@gouv.example,Claire Martin,fr\n"
    "KEN,Lower-middle income,Sub-Saharan Africa,otieno@gov.example,Otieno Kamau,\n"
)


def _run(tmp_path, content: str = PARTICIPANTS, name: str = "participants.csv", **extra) -> str:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    out = io.StringIO()
    with TestCase.captureOnCommitCallbacks(execute=True):  # e-mails go after the commit
        call_command(
            "create_cycle",
            extra.pop("code", "review-2027"),
            name="Review 2027",
            name_fr="Revue 2027",
            framework="MNR-2016",
            deadline="2027-06-30",
            participants=str(path),
            stdout=out,
            **extra,
        )
    return out.getvalue()


def _counts() -> tuple[int, ...]:
    return (
        Participation.objects.filter(cycle__code="review-2027").count(),
        Assessment.objects.filter(cycle__code="review-2027").count(),
        get_user_model().objects.count(),
        Profile.objects.count(),
        Invitation.objects.count(),
    )


def test_create_cycle_opens_three_countries_invites_and_is_idempotent(reference, tmp_path, client):
    output = _run(tmp_path)
    assert output.strip().splitlines()[-1] == "Opened 3 assessments; sent 3 invitations."
    assert _counts() == (3, 3, 3, 3, 3)
    ghana = Participation.objects.get(cycle__code="review-2027", country__code="GHA")
    assert (ghana.income_group, ghana.region) == ("lower_middle", "sub_saharan_africa")
    kenya = Participation.objects.get(cycle__code="review-2027", country__code="KEN")
    assert (kenya.income_group, kenya.region) == ("lower_middle", "sub_saharan_africa")

    # One invitation per focal point, in their language, plain text and HTML, with a working link.
    assert sorted(m.to[0] for m in mail.outbox) == [
        "ama@gov.example",
        "claire@gouv.example",
        "otieno@gov.example",
    ]
    by_address = {m.to[0]: m for m in mail.outbox}
    assert "Ghana" in by_address["ama@gov.example"].subject
    assert "invited" in by_address["ama@gov.example"].subject
    assert "invité" in by_address["claire@gouv.example"].subject
    assert "France" in by_address["claire@gouv.example"].subject
    for message in mail.outbox:
        assert message.alternatives[0].mimetype == "text/html"
        assert "2027" in message.body

    for email in ("ama@gov.example", "claire@gouv.example", "otieno@gov.example"):
        user = get_user_model().objects.get(email=email)
        assert not user.has_usable_password()
        assert user.profile.role == Role.FOCAL_POINT
        link = re.search(r"https?://[^/\s]+(/\S+)", by_address[email].body).group(1)
        client.logout()
        response = client.get(link, follow=True)
        assert response.status_code == 200
        form_url = response.redirect_chain[-1][0] if response.redirect_chain else link
        response = client.post(
            form_url,
            {
                "new_password1": "a long new pass phrase 42",
                "new_password2": "a long new pass phrase 42",
            },
        )
        assert response.status_code == 302, response.content[:2000]
        response = client.post(
            reverse("login"), {"username": email, "password": "a long new pass phrase 42"}
        )
        assert response.status_code == 302
        assessment = Assessment.objects.get(cycle__code="review-2027", country=user.profile.country)
        assert (
            client.get(reverse("capabilities:dashboard", args=[assessment.pk])).status_code == 200
        )
        home = client.get(reverse("home"))
        assert reverse("capabilities:dashboard", args=[assessment.pk]).encode() in home.content

    # Again: nothing duplicated, nobody invited twice.
    mail.outbox.clear()
    output = _run(tmp_path)
    assert output.strip().splitlines()[-1] == "Opened 0 assessments; sent 0 invitations."
    assert _counts() == (3, 3, 3, 3, 3)
    assert mail.outbox == []


def test_create_cycle_reuses_an_existing_focal_point(reference, tmp_path, focal_a):
    content = "country,focal_point_email,focal_point_name\nGHA,focal_a@example.org,Focal A\n"
    output = _run(tmp_path, content)
    assert "1 reused" in output
    assert output.strip().splitlines()[-1] == "Opened 1 assessments; sent 0 invitations."
    assert get_user_model().objects.filter(email="focal_a@example.org").count() == 1


def test_bad_participants_file_lists_every_problem_and_writes_nothing(reference, tmp_path, analyst):
    content = (
        "country,income_group,region,focal_point_email,focal_point_name\n"
        "GHA,rich,sub_saharan_africa,ama@gov.example,Ama\n"
        "XXX,high,north_america,x@gov.example,X\n"
        "FRA,high,europe_central_asia,not-an-address,Claire\n"
        "GHA,high,europe_central_asia,other@gov.example,Other\n"
        "SRB,high,europe_central_asia,analyst@example.org,Analyst\n"
    )
    with pytest.raises(CommandError) as exc:
        _run(tmp_path, content)
    message = str(exc.value)
    assert "Nothing was written" in message
    assert "Row 2:" in message and "rich" in message
    assert "Row 3:" in message and "XXX" in message
    assert "Row 4:" in message and "not-an-address" in message
    assert "Row 5:" in message and "GHA is already on row 2" in message
    assert "Row 6:" in message and "another role" in message
    assert _counts()[:2] == (0, 0)
    assert mail.outbox == []


def test_create_cycle_reads_xlsx(reference, tmp_path):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Country", "Focal point e-mail", "Focal point name", "Income group"])
    sheet.append(["GHA", "ama@gov.example", "Ama Mensah", "Low income"])
    path = tmp_path / "participants.xlsx"
    workbook.save(path)
    out = io.StringIO()
    call_command(
        "create_cycle",
        "review-2027",
        name="Review 2027",
        framework="MNR-2016",
        deadline="2027-06-30",
        participants=str(path),
        stdout=out,
    )
    assert out.getvalue().strip().splitlines()[-1] == "Opened 1 assessments; sent 1 invitations."
    assert (
        Participation.objects.get(cycle__code="review-2027", country__code="GHA").income_group
        == "low"
    )


def test_invitation_can_be_resent_with_a_fresh_link(
    reference, tmp_path, analyst, django_capture_on_commit_callbacks
):
    _run(tmp_path)
    user = get_user_model().objects.get(email="ama@gov.example")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_send(user=user, inviter=analyst)
    assert [m.to for m in mail.outbox] == [["ama@gov.example"]]
    assert Invitation.objects.filter(user=user).count() == 2


# ---------------------------------------------------------------------------------------------
# Reminders


def _remind(day: str) -> str:
    out = io.StringIO()
    with TestCase.captureOnCommitCallbacks(execute=True):
        call_command("send_reminders", date=day, stdout=out)
    return out.getvalue().strip().splitlines()[-1]


def test_reminders_at_30_7_1_days_and_after_once_each_not_to_submitted(
    reference, tmp_path, django_capture_on_commit_callbacks
):
    _run(tmp_path)  # deadline 2027-06-30, focal points of GHA, FRA, KEN
    france = Assessment.objects.get(cycle__code="review-2027", country__code="FRA")
    france.status = Status.SUBMITTED
    france.save()
    mail.outbox.clear()

    expected = {
        "2027-05-30": 0,  # 31 days before: nothing yet
        "2027-05-31": 2,  # 30 days before
        "2027-06-01": 0,  # already sent
        "2027-06-23": 2,  # 7 days before
        "2027-06-29": 2,  # 1 day before
        "2027-06-30": 0,  # the deadline itself: the 1-day reminder was sent
        "2027-07-01": 2,  # once after
        "2027-07-02": 0,
        "2027-08-01": 0,
    }
    for day, count in expected.items():
        assert _remind(day) == f"Sent {count} reminders.", day
        assert _remind(day) == "Sent 0 reminders.", day  # the same day twice: nothing more
    assert len(mail.outbox) == 8
    assert {m.to[0] for m in mail.outbox} == {"ama@gov.example", "otieno@gov.example"}
    assert ReminderSent.objects.filter(assessment=france).count() == 0
    assert sorted(
        ReminderSent.objects.filter(assessment__country__code="GHA").values_list("days", flat=True)
    ) == [-1, 1, 7, 30]
    after = [m for m in mail.outbox if "passed" in m.subject]
    assert len(after) == 2
    assert "1 day ago" in after[0].body


def test_missed_runs_send_one_reminder_not_several(reference, tmp_path):
    _run(tmp_path)
    assert _remind("2027-06-25") == "Sent 3 reminders."  # the 7-day one; the 30-day one is skipped
    assert set(ReminderSent.objects.values_list("days", flat=True)) == {7}


def test_reminder_in_the_recipients_language(
    reference, tmp_path, django_capture_on_commit_callbacks
):
    _run(tmp_path)
    mail.outbox.clear()
    _remind("2027-06-23")
    french = next(m for m in mail.outbox if m.to == ["claire@gouv.example"])
    assert "rappel" in french.subject.lower()
    assert "30 juin 2027" in french.body
    english = next(m for m in mail.outbox if m.to == ["ama@gov.example"])
    assert "in 7 days" in english.body


def test_deadline_extension_is_recorded_and_restarts_reminders(reference, tmp_path, analyst):
    _run(tmp_path)
    ghana = Assessment.objects.get(cycle__code="review-2027", country__code="GHA")
    assert _remind("2027-07-01") == "Sent 3 reminders."
    with pytest.raises(Exception, match="after the current one"):
        cycles.deadline_extend(
            assessment=ghana, new_deadline=date(2027, 6, 1), reason="x", user=analyst
        )
    cycles.deadline_extend(
        assessment=ghana, new_deadline=date(2027, 7, 31), reason="Elections", user=analyst
    )
    record = DeadlineExtension.objects.get(assessment=ghana)
    assert (record.old_deadline, record.new_deadline, record.changed_by) == (
        date(2027, 6, 30),
        date(2027, 7, 31),
        analyst,
    )
    assert _remind("2027-07-02") == "Sent 1 reminders."  # Ghana's 30-day one for its new deadline
    assert _remind("2027-07-03") == "Sent 0 reminders."


def test_reminder_days_set_per_cycle(reference, tmp_path):
    from capabilities.models import Cycle

    _run(tmp_path, reminder_days="14,2")
    assert Cycle.objects.get(code="review-2027").reminder_days == [14, 2]
    assert _remind("2027-06-01") == "Sent 0 reminders."  # 29 days before: no 30-day reminder
    assert _remind("2027-06-16") == "Sent 3 reminders."  # 14 days before
    assert _remind("2027-06-28") == "Sent 3 reminders."  # 2 days before
    with pytest.raises(CommandError, match="from 1 to 365"):
        _run(tmp_path, reminder_days="0,7")


def test_a_new_cycle_with_a_past_deadline_is_refused(reference, tmp_path):
    path = tmp_path / "p.csv"
    path.write_text(PARTICIPANTS, encoding="utf-8")
    with pytest.raises(CommandError, match="has passed"):
        call_command(
            "create_cycle",
            "old",
            name="Old",
            framework="MNR-2016",
            deadline="2020-01-31",
            participants=str(path),
            stdout=io.StringIO(),
        )
    assert not Assessment.objects.filter(cycle__code="old").exists()


def test_cycles_are_newest_first_with_an_undated_cycle_at_its_creation_date(framework, cycle):
    """The same order on PostgreSQL and SQLite (``models.cycles_newest_first``): an undated
    cycle counts from the day it was created (``aggregates.cycle_sort_key``), where ``-opens_on``
    alone put it first on one and last on the other."""
    from datetime import timedelta

    from django.utils import timezone

    from capabilities.aggregates import cycle_sort_key
    from capabilities.models import Cycle
    from reports import cohorts

    today = timezone.now().date()
    old = Cycle.objects.create(
        code="old", name_en="Old", name_fr="Ancien", framework=framework,
        opens_on=today - timedelta(days=400),
    )  # fmt: skip
    coming = Cycle.objects.create(
        code="coming", name_en="Coming", name_fr="À venir", framework=framework,
        opens_on=today + timedelta(days=30),
    )  # fmt: skip
    mine = {"old", "coming", cycle.code}
    expected = ["coming", cycle.code, "old"]  # cycle: undated, created today
    assert [c.code for c in Cycle.objects.all() if c.code in mine] == expected
    assert [c.code for c in cohorts.cycles() if c.code in mine] == expected
    by_key = sorted([old, coming, Cycle.objects.get(code=cycle.code)], key=cycle_sort_key)
    assert [c.code for c in reversed(by_key)] == expected
