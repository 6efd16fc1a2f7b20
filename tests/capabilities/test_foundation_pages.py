"""Login, home page per role, language switch."""

from django.urls import reverse

from tests.conftest import PASSWORD


def test_every_page_requires_login(client, db):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_login_page_is_served_with_a_strict_content_security_policy(client, db):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert (
        "script-src 'self'" in csp
        and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    )
    assert b"<script>" not in response.content


def test_focal_point_signs_in_and_sees_their_country(client, focal_a, assessment_a):
    response = client.post(
        reverse("login"), {"username": "focal_a", "password": PASSWORD}, follow=True
    )
    body = response.content.decode()
    assert "Ghana" in body and "focal point" in body


def test_analyst_home_tells_where_to_go(client, analyst):
    client.force_login(analyst)
    assert "waiting for review" in client.get(reverse("home")).content.decode()


def test_language_switch_persists_in_the_profile(client, focal_a):
    client.force_login(focal_a)
    response = client.post(reverse("set_language"), {"language": "fr", "next": "/"})
    assert response.status_code == 302
    focal_a.profile.refresh_from_db()
    assert focal_a.profile.language == "fr"
    client.cookies.clear()  # a new device: the profile still decides
    client.force_login(focal_a)
    page = client.get(reverse("home"))
    assert page["Content-Language"] == "fr"
    assert 'lang="fr"' in page.content.decode()


def test_language_switch_refuses_an_outside_redirect(client, focal_a):
    client.force_login(focal_a)
    response = client.post(
        reverse("set_language"), {"language": "fr", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"
