"""Every string a user reads is translatable, the French catalogue is complete, pages follow the
user's language and the layout follows the language's direction (right-to-left ready).

- Template text outside {% translate %} / {% blocktranslate %} fails, and so do user-facing
  attributes (aria-label, title, alt, placeholder) and literal words in |default / |yesno.
- The French catalogue, regenerated from the source now (makemessages on a copy), has no missing,
  fuzzy or wrongly formatted entry (msgfmt --check), and the committed catalogue is up to date.
- The catalogue is compiled by the set-up (the .mo files are not committed).
- A French-speaking user sees French pages, with no English interface string left, and French dates.
- A right-to-left language switches dir="rtl" and the RTL Bootstrap; our CSS uses logical properties.

When a string is added: `make messages-update`, translate the new entries in
locale/fr/LC_MESSAGES/django.po (remove any "fuzzy" flag), then `make messages`.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from capabilities.models import Capability, Profile

ROOT = Path(settings.BASE_DIR)
TEMPLATES = ROOT / "templates"
LOCALE = ROOT / "locale"
FRENCH_PO = LOCALE / "fr" / "LC_MESSAGES" / "django.po"
# Rendered when Django itself has failed: no translation machinery can be trusted; bilingual by hand.
EXEMPT = {"500.html"}
# The source makemessages reads (the Makefile's messages-update ignores everything else).
SOURCE = ("manage.py", "mrn_assess", "capabilities", "reports", "templates", "static")

BLOCK_RE = re.compile(r"{%\s*blocktranslate.*?{%\s*endblocktranslate\s*%}", re.S)
COMMENT_RE = re.compile(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}|{#.*?#}", re.S)
TAG_RE = re.compile(r"{%.*?%}|{{.*?}}", re.S)
SCRIPT_RE = re.compile(r"<(script|style)\b.*?</\1>", re.S | re.I)
ATTR_RE = re.compile(r'\b(aria-label|aria-valuetext|title|alt|placeholder)="([^"]*)"')
# |default:"Some text" or |yesno:"yes,no": literal words a user reads (a bare CSS token is fine).
FILTER_ARG_RE = re.compile(r"""\|(default|default_if_none|yesno):(["'])(.*?)\2""")
HTML_TAG_RE = re.compile(r"<[^>]+>", re.S)
ENTITY_RE = re.compile(r"&[a-z]+;|&#\d+;")


def untranslated_text(source: str) -> list[str]:
    """Text of a template that a user would read and that no translation tag covers."""
    source = COMMENT_RE.sub(" ", source)
    problems = []
    for name, _quote, value in FILTER_ARG_RE.findall(source):
        wordy = name == "yesno" or re.search(r"[A-Z]|[A-Za-z]+\s+[A-Za-z]", value)
        if wordy and re.search(r"[A-Za-z]", value):
            problems.append(value)
    source = BLOCK_RE.sub(" ", source)
    source = SCRIPT_RE.sub(" ", source)
    for _name, value in ATTR_RE.findall(source):
        if re.search(r"[A-Za-z]", TAG_RE.sub("", value)):
            problems.append(value)
    text = TAG_RE.sub(" ", source)
    text = HTML_TAG_RE.sub(" ", text)
    text = ENTITY_RE.sub(" ", text)
    for chunk in re.split(r"\s{2,}|\n", text):
        chunk = chunk.strip()
        if re.search(r"[A-Za-zÀ-ÿ]{2,}", chunk):
            problems.append(chunk)
    return problems


def test_untranslated_text_detector_catches_plain_text_attributes_and_filter_words():
    assert untranslated_text("<p>Hello</p>") == ["Hello"]
    assert untranslated_text('<a aria-label="Close">x</a>') == ["Close"]
    assert untranslated_text('<img alt="Logo" src="x.png">') == ["Logo"]
    assert untranslated_text('{{ x|default:"Not given" }}') == ["Not given"]
    assert untranslated_text('{{ x|yesno:"yes,no" }}') == ["yes,no"]
    assert untranslated_text("{% load i18n %}<p>{% translate 'Hello' %} {{ name }}</p>") == []
    assert untranslated_text("{% blocktranslate %}Hi {{ x }}{% endblocktranslate %}") == []
    assert untranslated_text("<a aria-label=\"{% translate 'Close' %}\">x</a>") == []
    assert (
        untranslated_text('<span class="s-{{ v|default:\'none\' }}">{{ v|default:"—" }}</span>')
        == []
    )
    assert untranslated_text("{# a note for developers #}{% comment %}Notes{% endcomment %}") == []


TEMPLATE_FILES = sorted(
    p.relative_to(TEMPLATES).as_posix()
    for p in TEMPLATES.rglob("*")
    if p.suffix in (".html", ".txt") and p.is_file()
)


@pytest.mark.parametrize("path", TEMPLATE_FILES)
def test_template_has_no_text_outside_translation_tags(path):
    if path in EXEMPT:
        return
    problems = untranslated_text((TEMPLATES / path).read_text(encoding="utf-8"))
    assert problems == [], f"{path}: text not marked for translation: {problems[:5]}"


def test_the_server_error_page_is_bilingual_by_hand():
    page = (TEMPLATES / "500.html").read_text(encoding="utf-8")
    assert "Something went wrong" in page and '<p lang="fr">Une erreur' in page


def test_no_gettext_call_inside_an_f_string():
    """makemessages cannot see _("...") inside f"{...}": such a string would never be translated."""
    found = []
    for folder in ("capabilities", "reports", "mrn_assess"):
        for path in (ROOT / folder).rglob("*.py"):
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if re.search(
                    r"""\bf["'].*{[^}]*\b(_|gettext|gettext_lazy|ngettext|pgettext)\(""", line
                ):
                    found.append(f"{path.relative_to(ROOT)}:{number}")
    assert found == []


# ---------------------------------------------------------------------------------------------
# The catalogue


def _run_manage(work: Path, *args: str) -> None:
    env = {**os.environ, "MRN_TESTING": "true"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=work, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory) -> Path:
    """A copy of the source with its French catalogue regenerated by makemessages now (so the
    checks see strings added since the catalogue was last updated), as `make messages-update`."""
    work = tmp_path_factory.mktemp("i18n")
    for name in (*SOURCE, "locale"):
        src = ROOT / name
        if src.is_dir():
            ignore = shutil.ignore_patterns("vendor", "__pycache__", "*.mo", "node_modules")
            shutil.copytree(src, work / name, ignore=ignore)
        else:
            shutil.copy(src, work / name)
    for domain in ("django", "djangojs"):
        _run_manage(
            work, "makemessages", "-l", "fr", "-d", domain, "--no-obsolete",
            "--add-location=file", "--ignore=static/vendor",
        )  # fmt: skip
    return work


def _msgfmt(po: Path, out: Path | str = "/dev/null") -> subprocess.CompletedProcess:
    return subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", str(out), str(po)],
        capture_output=True,
        text=True,
    )


def _entries(po: Path) -> dict[tuple[str, str], str]:
    """{(context, msgid): msgstr (the plural forms joined by |)} of a .po file, header left out."""
    entries = {}
    for block in po.read_text(encoding="utf-8").split("\n\n"):
        fields: dict[str, str] = {}
        key = None
        for line in block.splitlines():
            match = re.match(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d\])?) (\".*\")$", line)
            if match:
                key = match.group(1)
                fields[key] = ""
                line = match.group(2)
            elif not line.startswith('"'):
                continue
            if key:
                fields[key] += line[1:-1]
        if fields.get("msgid"):
            strs = [v for k, v in sorted(fields.items()) if k.startswith("msgstr")]
            entries[(fields.get("msgctxt", ""), fields["msgid"])] = "|".join(strs)
    return entries


def test_french_catalogue_has_every_string_translated_nothing_fuzzy_and_placeholders_kept(
    regenerated,
):
    result = _msgfmt(regenerated / "locale/fr/LC_MESSAGES/django.po")
    # --check fails on a python-format placeholder missing or misspelt in the French.
    assert result.returncode == 0, result.stderr
    stats = result.stderr.strip()
    assert "translated" in stats and "fuzzy" not in stats and "untranslated" not in stats, stats


def test_committed_french_catalogue_is_up_to_date(regenerated):
    fresh = set(_entries(regenerated / "locale/fr/LC_MESSAGES/django.po"))
    committed = set(_entries(FRENCH_PO))
    assert fresh - committed == set(), "new strings: run make messages-update and translate them"
    assert committed - fresh == set(), "strings no longer used: run make messages-update"


def test_javascript_strings_are_in_a_catalogue_when_there_are_any(regenerated):
    """The JS gets its strings from the page (json_script); if it ever calls gettext() itself,
    a complete djangojs.po must be committed too."""
    fresh = regenerated / "locale/fr/LC_MESSAGES/djangojs.po"
    if not fresh.exists() or not _entries(fresh):
        return
    committed = LOCALE / "fr/LC_MESSAGES/djangojs.po"
    assert committed.exists(), "run make messages-update and translate djangojs.po"
    assert set(_entries(fresh)) <= set(_entries(committed))
    stats = _msgfmt(fresh).stderr
    assert "fuzzy" not in stats and "untranslated" not in stats, stats


def test_committed_french_catalogue_is_clean_and_uses_french_plural_rules():
    text = FRENCH_PO.read_text(encoding="utf-8")
    assert "#, fuzzy" not in text and ", fuzzy" not in text
    assert '"Language: fr\\n"' in text
    assert '"Plural-Forms: nplurals=2; plural=(n > 1);\\n"' in text
    result = _msgfmt(FRENCH_PO)
    assert result.returncode == 0 and "untranslated" not in result.stderr, result.stderr


def test_french_follows_the_glossary():
    french = _entries(FRENCH_PO)
    expected = {
        "Focal point": "Point focal",
        "Draft": "Brouillon",
        "Submitted": "Soumis",
        "Validated": "Validé",
        "Don't know": "Ne sait pas",
        "page %(page)s of %(pages)s": "page %(page)s sur %(pages)s",
        "Illustrative data": "Données illustratives",
        "Confidential": "Confidentiel",
        "Confidential — country team and WeProtect Global Alliance secretariat only": (
            "Confidentiel — équipe nationale et secrétariat de l'Alliance mondiale WeProtect "
            "uniquement"
        ),
    }
    assert {k: french[("", k)] for k in expected} == expected
    everything = " ".join(french.values())
    assert "exploitation et aux abus sexuels en ligne à l'égard des enfants" in everything
    assert "pornographie" not in everything.lower()


def test_catalogues_are_not_committed_compiled_and_the_set_up_compiles_them(tmp_path):
    """`make messages` (run by make run / make test) compiles the .po files; a fresh clone has no
    .mo, so compilemessages must produce it from the committed source alone."""
    assert "*.mo" in (ROOT / ".gitignore").read_text().split()
    tracked = subprocess.run(
        ["git", "ls-files", "locale"], cwd=ROOT, capture_output=True, text=True
    ).stdout.split()
    assert "locale/fr/LC_MESSAGES/django.po" in tracked
    assert not [name for name in tracked if name.endswith(".mo")]
    shutil.copytree(ROOT / "locale", tmp_path / "locale", ignore=shutil.ignore_patterns("*.mo"))
    shutil.copy(ROOT / "manage.py", tmp_path / "manage.py")
    shutil.copytree(ROOT / "mrn_assess", tmp_path / "mrn_assess")
    for app in ("capabilities", "reports"):  # INSTALLED_APPS must import
        shutil.copytree(ROOT / app, tmp_path / app, ignore=shutil.ignore_patterns("__pycache__"))
    _run_manage(tmp_path, "compilemessages", "--ignore=.venv")
    assert (tmp_path / "locale/fr/LC_MESSAGES/django.mo").stat().st_size > 10_000


# ---------------------------------------------------------------------------------------------
# Pages in French


def _english_leftovers(page: str) -> list[str]:
    """Interface strings of the catalogue that appear in English on a page meant to be French."""
    text = html.unescape(re.sub(r"<[^>]+>", " ", SCRIPT_RE.sub(" ", page)))
    text = re.sub(r"\s+", " ", text)
    leftovers = []
    for (_context, msgid), msgstr in _entries(FRENCH_PO).items():
        plain = len(msgid) >= 12 and "%" not in msgid and "\\n" not in msgid
        if plain and msgid != msgstr and msgid in text:
            leftovers.append(msgid)
    return leftovers


@pytest.fixture
def french_client(client, focal_a):
    """Focal point of Ghana who chose French with the language switch (saved in the profile)."""
    client.force_login(focal_a)
    response = client.post(reverse("set_language"), {"language": "fr", "next": "/"})
    assert response.status_code == 302
    return client


def test_french_speaking_focal_point_sees_french_home_dashboard_and_domain_pages(
    french_client, assessment_a, framework
):
    assessment_a.cycle.deadline = date(2030, 12, 15)
    assessment_a.cycle.save()
    urls = [
        reverse("home"),
        reverse("capabilities:dashboard", args=[assessment_a.pk]),
        reverse("capabilities:domain", args=[assessment_a.pk, "D1"]),
    ]
    pages = {}
    for url in urls:
        response = french_client.get(url)
        assert response.status_code == 200, url
        page = response.content.decode()
        assert '<html lang="fr" dir="ltr">' in page, url
        assert "Se déconnecter" in page and "Aller au contenu principal" in page, url
        assert _english_leftovers(page) == [], url
        pages[url] = page
    home, dashboard, domain = pages.values()
    assert "Évaluations de votre pays" in home
    assert "Prochaine étape" in dashboard
    assert "15 décembre 2030" in dashboard  # the deadline, with a French month name
    c02 = Capability.objects.get(framework=framework, code="C02")
    assert html.escape(c02.name_fr) in domain and c02.name_en not in domain
    assert "Enregistrer" in domain and "Ne sait pas" in domain


def test_french_speaking_analyst_sees_the_matrix_page_in_french(client, analyst, cycle):
    client.force_login(analyst)
    Profile.objects.filter(user=analyst).update(language="fr")
    response = client.get(reverse("reports:matrix"))
    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="fr" dir="ltr">' in page
    assert "Matrice des capacités" in page and "Se déconnecter" in page
    assert _english_leftovers(page) == []


def test_the_same_page_in_english_has_english_dates_and_strings(client, focal_a, assessment_a):
    assessment_a.cycle.deadline = date(2030, 12, 15)
    assessment_a.cycle.save()
    client.force_login(focal_a)
    page = client.get(reverse("capabilities:dashboard", args=[assessment_a.pk])).content.decode()
    assert '<html lang="en" dir="ltr">' in page
    assert "Sign out" in page and "15 December 2030" in page and "décembre" not in page


def test_messages_and_errors_from_python_are_translated():
    from capabilities.importer import ImportProblem

    with translation.override("fr"):
        problem = str(ImportProblem(3, "C01.in_place", "x"))
        saved = translation.ngettext("%(count)s answer saved.", "%(count)s answers saved.", 1)
        saved_many = translation.ngettext("%(count)s answer saved.", "%(count)s answers saved.", 2)
    assert problem == "Ligne 3, colonne C01.in_place\u00a0: x"
    assert saved == "%(count)s réponse enregistrée."
    assert saved_many == "%(count)s réponses enregistrées."


# ---------------------------------------------------------------------------------------------
# Right to left


@pytest.fixture
def with_arabic(settings):
    """Arabic added to the languages, as a future catalogue would: Django knows it is bidi."""
    settings.LANGUAGES = [*settings.LANGUAGES, ("ar", "Arabic")]
    yield
    translation.activate(settings.LANGUAGE_CODE)


def test_a_right_to_left_language_switches_the_direction_and_the_stylesheet(client, with_arabic):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ar"
    page = client.get(reverse("login")).content.decode()
    assert '<html lang="ar" dir="rtl">' in page
    assert "bootstrap.rtl.min.css" in page and "bootstrap.min.css" not in page
    assert '<option value="ar" lang="ar"' in page  # offered in the language switch


def test_a_signed_in_user_with_a_right_to_left_language_gets_a_right_to_left_page(
    client, focal_a, assessment_a, with_arabic
):
    Profile.objects.filter(user=focal_a).update(language="ar")
    client.force_login(focal_a)
    for url in (reverse("home"), reverse("capabilities:domain", args=[assessment_a.pk, "D1"])):
        page = client.get(url).content.decode()
        assert '<html lang="ar" dir="rtl">' in page, url
        assert "bootstrap.rtl.min.css" in page, url


def test_a_left_to_right_language_keeps_the_ordinary_stylesheet(client, with_arabic):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    page = client.get(reverse("login")).content.decode()
    assert '<html lang="fr" dir="ltr">' in page
    assert "bootstrap.min.css" in page and "bootstrap.rtl.min.css" not in page


PHYSICAL_CSS_RE = re.compile(
    r"\b(?:margin|padding|border|inset)-(?:left|right)\b"
    r"|(?<![-\w])(?:left|right)\s*:"
    r"|\b(?:text-align|float|clear)\s*:\s*(?:left|right)\b"
)
# Page-margin boxes of paged media (@top-left …) are named after the page, not the text.
PAGE_MARGIN_BOX_RE = re.compile(r"@(?:top|bottom)-(?:left|right)(?:-corner)?\s*{[^}]*}")


@pytest.mark.parametrize("path", sorted(p.name for p in (ROOT / "static/css").glob("*.css")))
def test_our_css_uses_logical_properties_not_left_and_right(path):
    css = (ROOT / "static/css" / path).read_text(encoding="utf-8")
    css = PAGE_MARGIN_BOX_RE.sub(" ", re.sub(r"/\*.*?\*/", " ", css, flags=re.S))
    assert PHYSICAL_CSS_RE.findall(css) == []


def test_logical_property_check_catches_left_and_right():
    assert PHYSICAL_CSS_RE.findall(".a { margin-left: 1em; text-align: right; left: 0 }") == [
        "margin-left",
        "text-align: right",
        "left:",
    ]
    assert PHYSICAL_CSS_RE.findall(".a { margin-inline-start: 1em; text-align: end }") == []


def test_templates_use_logical_bootstrap_classes_and_no_left_right_styles():
    found = []
    for path in TEMPLATES.rglob("*.html"):
        source = path.read_text(encoding="utf-8")
        for match in re.finditer(r'class="([^"]*)"', source):
            found += [
                f"{path.name}: {c}"
                for c in match.group(1).split()
                if re.fullmatch(r"(ml|mr|pl|pr)-(\d|auto|\w+-\d)|(text|float)-(left|right)", c)
            ]
        for match in re.finditer(r'style="([^"]*)"', source):
            found += [f"{path.name}: {s}" for s in PHYSICAL_CSS_RE.findall(match.group(1))]
    assert found == []


def test_english_leftover_check_finds_english_interface_strings():
    page = "<main><h1>Check your answers before submitting</h1><p>Se déconnecter</p></main>"
    assert "Check your answers before submitting" in _english_leftovers(page)
    assert _english_leftovers("<p>Vérifiez vos réponses avant de soumettre l'évaluation</p>") == []


def test_decimal_numbers_follow_the_language(client, analyst):
    client.force_login(analyst)
    english = client.get(reverse("reports:methodology")).content.decode()
    Profile.objects.filter(user=analyst).update(language="fr")
    french = client.get(reverse("reports:methodology")).content.decode()
    assert "87.80" in english and "87,80" not in english
    assert "87,80" in french and "87.80" not in french


def test_long_export_header_is_translated_and_the_import_format_keeps_its_codes(
    assessment_a, analyst
):
    from capabilities.permissions import visible_assessments
    from reports import exports

    data = exports.load_answer_data(assessment_a.cycle, visible_assessments(analyst))
    assert exports.answers_long(data, lang="en").header == exports.LONG_COLUMNS
    french = exports.answers_long(data, lang="fr").header
    assert french[:4] == ("Cycle", "Code du pays", "Pays", "Statut")
    with translation.override("fr"):
        wide = exports.answers_wide(data).header
    assert wide[:4] == exports.WIDE_FIXED_COLUMNS and wide[4].startswith("C01.")
