"""WCAG 2.1 AA (axe-core, serious or critical) on the pages of running a cycle, in English and
French: open a cycle (form and preview), progress, deadline extension, comment thread, changes
since the last submission, notifications on the home page, framework upload."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import Browser

from capabilities import services
from capabilities.models import Answer, Assessment, Profile, Status

from ._helpers import add_session, axe_violations, dangling_references, structure_problems, watch

pytestmark = pytest.mark.django_db(transaction=True)

PARTICIPANTS = (
    "country,income_group,region,focal_point_email,focal_point_name,language\n"
    "GHA,lower_middle,sub_saharan_africa,ama@gov.example,Ama Mensah,en\n"
)


@pytest.mark.parametrize("language", ["en", "fr"])
def test_cycle_pages_have_no_serious_wcag_violation(
    browser: Browser, live_server, client, demo_world, language, tmp_path
):
    User = get_user_model()
    analyst = User.objects.get(username="analyst")
    Profile.objects.filter(user__username__in=["analyst", "admin"]).update(language=language)
    c = Assessment.objects.get(country__code="DEMO-C", cycle__code=demo_world)
    answer = Answer.objects.filter(assessment=c).order_by("question__code").first()
    Assessment.objects.filter(pk=c.pk).update(status=Status.SUBMITTED, submitted_at=timezone.now())
    services.review_comment_add(
        assessment=c, question=answer.question, user=analyst, text="Which decree?"
    )
    pages = {
        "analyst": [
            ("home with notifications", "/"),
            ("open a cycle", "/cycles/open/"),
            ("progress", f"/cycles/{demo_world}/progress/"),
            ("deadline", f"/assessments/{c.pk}/deadline/"),
            ("thread", f"/assessments/{c.pk}/answers/{answer.question_id}/comments/"),
            ("changes", f"/assessments/{c.pk}/review/changes/"),
        ],
        "admin": [("framework upload", "/frameworks/upload/")],
    }
    found: dict[str, list[str]] = {}
    for username, these in pages.items():
        context = browser.new_context()
        context.add_cookies(
            [{"name": "django_language", "value": language, "url": live_server.url}]
        )
        add_session(context, client, live_server.url, User.objects.get(username=username))
        page = context.new_page()
        seen = watch(page)
        for name, path in these:
            response = page.goto(f"{live_server.url}{path}")
            assert response.status == 200, (name, response.status)
            assert page.locator("html").get_attribute("lang") == language, name
            problems = (
                axe_violations(page)
                + [f"dangling reference {ref}" for ref in dangling_references(page)]
                + structure_problems(page)
            )
            if problems:
                found[name] = problems
            if name == "open a cycle":  # and its preview
                path_csv = tmp_path / "participants.csv"
                path_csv.write_text(PARTICIPANTS, encoding="utf-8")
                page.fill("#id_code", "review-2099")
                page.fill("#id_name_en", "Review 2099")
                page.select_option("#id_framework", "MNR-2016")
                page.fill("#id_deadline", "2099-06-30")
                page.set_input_files("#id_file", str(path_csv))
                page.get_by_role("button", name="Preview" if language == "en" else "Aperçu").click()
                page.wait_for_selector(".cycle-preview")
                problems = axe_violations(page) + structure_problems(page)
                if problems:
                    found["open a cycle: preview"] = problems
        assert seen.errors == []
        context.close()
    assert found == {}, "\n".join(f"{name}: {v}" for name, vs in found.items() for v in vs)
