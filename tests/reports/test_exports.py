"""CSV/XLSX exports: formula neutralising, long and wide answers, export → import round trip."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from capabilities import aggregates, services
from capabilities.models import Assessment, Cycle
from capabilities.permissions import visible_assessments
from reports import exports, tables
from tests._workflow import force_submit

from ._report_data import fill

DANGEROUS = ["=1+1", "+SUM(A1)", "-2+3+cmd|' /C calc'!A0", "@SUM(1)", "\tx", "\rx"]


def read_csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


@pytest.mark.parametrize("value", DANGEROUS)
def test_a_cell_starting_like_a_formula_is_written_as_text_in_csv_and_xlsx(value):
    table = exports.Table("t", ("a",), [(value,), ("-5",), ("plain",)])
    rows = read_csv(exports.to_csv(table))
    assert rows[1] == ["'" + value]
    assert rows[2:] == [["-5"], ["plain"]]
    sheet = load_workbook(io.BytesIO(exports.to_xlsx(table))).active
    cell = sheet["A2"]
    assert cell.value.startswith("'")
    assert cell.value[1:].replace("\n", "\r") == value  # XML stores a CR as a line feed
    assert cell.data_type == "s"


def test_a_comment_with_a_formula_is_neutralised_in_the_long_export(
    assessment_a, questions, focal_a, analyst
):
    fill(assessment_a, questions, focal_a, comments={"C01.strategy": '=HYPERLINK("x")'})
    data = exports.load_answer_data(assessment_a.cycle, visible_assessments(analyst))
    rows = read_csv(exports.to_csv(exports.answers_long(data)))
    header = rows[0]
    row = next(r for r in rows if r[header.index("question_code")] == "C01.strategy")
    assert row[header.index("comment")] == '\'=HYPERLINK("x")'
    xlsx = load_workbook(io.BytesIO(exports.to_xlsx(exports.answers_long(data)))).active
    comments = [c.value for c in xlsx["L"]]
    assert '\'=HYPERLINK("x")' in comments
    assert not any(isinstance(v, str) and v.startswith("=") for v in comments)


def test_long_export_has_one_row_per_country_and_question_with_who_and_when(
    assessment_a, assessment_b, questions, focal_a, focal_b, analyst
):
    fill(assessment_a, questions, focal_a, seed="a")
    fill(assessment_b, questions, focal_b, seed="b")
    data = exports.load_answer_data(assessment_a.cycle, visible_assessments(analyst))
    table = exports.answers_long(data, lang="fr")
    assert len(table.rows) == 2 * len(questions)
    header = exports.LONG_COLUMNS  # the French header is translated: columns by position
    assert table.header[header.index("question_code")] == "Code de la question"
    row = next(r for r in table.rows if r[header.index("question_code")] == "C01.in_place")
    assert row[header.index("country_code")] == "GHA"
    assert row[header.index("value")] in ("yes", "no", "dont_know")
    assert row[header.index("display_value")] in ("Oui", "Non", "Ne sait pas", "Yes", "No")
    assert row[header.index("evidence")] == "https://example.org/C01.in_place"
    assert row[header.index("updated_by")] == "Focal_a"
    assert row[header.index("updated_at")]


def test_a_country_team_exports_only_its_own_country(
    assessment_a, assessment_b, questions, focal_a, focal_b
):
    fill(assessment_a, questions, focal_a, seed="a")
    fill(assessment_b, questions, focal_b, seed="b")
    data = exports.load_answer_data(assessment_a.cycle, visible_assessments(focal_a))
    codes = {row[1] for row in exports.answers_long(data).rows}
    assert codes == {"GHA"}


def test_export_then_import_into_a_new_cycle_gives_the_same_matrix(
    cycle, country_a, country_b, questions, focal_a, focal_b, analyst, tmp_path
):
    for country, user in ((country_a, focal_a), (country_b, focal_b)):
        assessment = services.assessment_get_or_create(country=country, cycle=cycle)
        services.participation_set(
            cycle=cycle, country=country, income_group="lower_middle", region="", survey="gov"
        )
        fill(assessment, questions, user, seed=country.code)
    data = exports.load_answer_data(cycle, visible_assessments(analyst))
    wide = exports.to_csv(exports.answers_wide(data), bom=False)
    path = tmp_path / "wide.csv"
    path.write_bytes(wide)

    call_command("import_responses", str(path), cycle="copy-2025", framework="MNR-2016")

    copy = Cycle.objects.get(code="copy-2025")
    assert Assessment.objects.filter(cycle=copy).count() == 2
    original = aggregates.capability_matrix(cycle)
    imported = aggregates.capability_matrix(copy)
    strip = lambda m: [(c.code, c.population, c.yes, c.no, c.no_answer) for c in m.cells]  # noqa: E731
    assert strip(imported) == strip(original)
    assert original.maturity == imported.maturity
    by_income = aggregates.capability_matrix(copy, by="income_group")
    assert by_income.population("lower_middle") == 2
    # every answer, not only the matrix, survives the trip
    again = exports.answers_wide(exports.load_answer_data(copy, visible_assessments(analyst)))
    assert again.rows == exports.answers_wide(data).rows


def test_matrix_table_keeps_exact_counts_and_hides_suppressed_cells(
    cycle, country_a, questions, focal_a
):
    fill(services.assessment_get_or_create(country=country_a, cycle=cycle), questions, focal_a)
    # the documented column scheme (reports.tables; was exports.matrix_table with population_N
    # and suppressed "yes"/"no")
    open_matrix = tables.matrix_table(aggregates.capability_matrix(cycle), "en")
    row = open_matrix.rows[0]
    header = open_matrix.header
    assert row[header.index("population")] == 1
    assert row[header.index("yes")] is not None
    hidden = tables.matrix_table(aggregates.capability_matrix(cycle, min_cell=5), "en")
    row = hidden.rows[0]
    assert row[header.index("yes")] is None
    assert row[header.index("yes_pct")] is None
    assert row[header.index("suppressed")] == "true"
    assert "fewer than 5" in row[header.index("reason")]


def _answer_headlines(cycle, countries, questions, user) -> None:
    headlines = [q for q in questions if q.is_headline]
    for country in countries:
        assessment = services.assessment_get_or_create(country=country, cycle=cycle)
        for question in headlines:
            services.answer_save(
                assessment=assessment, question=question, value="yes", user=user, base_version=0
            )
        force_submit(assessment, user)


def test_exports_and_country_report_cost_the_same_queries_for_ten_times_the_countries(
    cycle, questions, admin_user
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from capabilities.models import Country
    from reports import pdf

    countries = list(Country.objects.filter(kind="state").order_by("code")[:11])

    def count() -> tuple[int, int]:
        visible = visible_assessments(admin_user)
        with CaptureQueriesContext(connection) as export_queries:
            data = exports.load_answer_data(cycle, visible)
            exports.answers_long(data)
            exports.answers_wide(data)
        first = Assessment.objects.select_related("country", "cycle__framework").get(
            cycle=cycle, country=countries[0]
        )
        with CaptureQueriesContext(connection) as report_queries:
            pdf.build_country_report(first, lang="en", assessments=visible)
        return len(export_queries), len(report_queries)

    _answer_headlines(cycle, countries[:1], questions, admin_user)
    small = count()
    _answer_headlines(cycle, countries[1:], questions, admin_user)
    assert Assessment.objects.filter(cycle=cycle).count() == 11
    assert count() == small


@pytest.mark.django_db
def test_the_exports_display_each_value_as_the_pages_do_and_an_empty_one_reads_nothing(
    framework, django_assert_num_queries
):
    """values.displayer (the long export, once per question) gives values.display's text for
    every kind, in both languages; display() of an empty value reads no options (a page that
    shows many unanswered questions pays no query for them)."""
    from capabilities import values
    from capabilities.models import Question

    questions = list(Question.objects.for_framework(framework).with_structure())
    kinds = {q.kind for q in questions}
    assert len(kinds) >= 5, kinds
    for question in questions:
        candidates = ["", "yes", "no", "3", "42", "some text", "unknown-code"]
        candidates += [o.code for o in question.options.all()]
        candidates += [";".join(o.code for o in question.options.all()[:2])]
        for lang in ("en", "fr"):
            show = values.displayer(question, lang)
            for value in candidates:
                assert show(value) == values.display(question, value, lang), (question.code, value)
    bare = Question.objects.filter(framework=framework).exclude(options=None).first()
    with django_assert_num_queries(0):
        assert values.display(bare, "") == ""
