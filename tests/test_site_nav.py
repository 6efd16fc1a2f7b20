"""The header's navigation is rendered once per language, role and country and kept in the
process (capabilities/templatetags/site_nav.py): a person never gets another role's, another
country's or another language's links."""

from django.urls import reverse

from capabilities.templatetags import site_nav


def test_the_kept_navigation_follows_the_role_country_and_language(
    client, analyst, focal_a, focal_b
):
    site_nav._nav.cache_clear()
    review_queue = reverse("capabilities:review_queue")
    client.force_login(analyst)
    assert review_queue in client.get(reverse("reports:methodology")).content.decode()

    client.force_login(focal_a)
    body = client.get(reverse("reports:methodology")).content.decode()
    assert review_queue not in body
    assert reverse("reports:country_profile", args=[focal_a.profile.country.code]) in body

    client.force_login(focal_b)
    body = client.get(reverse("reports:methodology")).content.decode()
    assert reverse("reports:country_profile", args=[focal_b.profile.country.code]) in body
    assert reverse("reports:country_profile", args=[focal_a.profile.country.code]) not in body

    english = client.get(reverse("reports:methodology")).content.decode()
    client.cookies["django_language"] = "fr"
    french = client.get(reverse("reports:methodology"), HTTP_ACCEPT_LANGUAGE="fr")
    assert "Méthodologie" in french.content.decode() and "Méthodologie" not in english
    assert site_nav._nav.cache_info().hits >= 1  # the navigation was kept and reused


def test_the_language_options_mark_the_current_language():
    from django.utils import translation

    with translation.override("fr"):
        french = site_nav.language_options()
    with translation.override("en"):
        english = site_nav.language_options()
    assert '<option value="fr" lang="fr" selected>Français</option>' in french
    assert '<option value="en" lang="en" selected>English</option>' in english
    assert 'value="fr" lang="fr" selected' not in english
