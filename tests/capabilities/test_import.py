"""import_responses: all or nothing, every problem with its row and column, dry run, idempotence."""

import io

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from capabilities.importer import ImportRefused, import_responses
from capabilities.models import (
    Answer,
    AnswerChange,
    Assessment,
    Country,
    CountryKind,
    Cycle,
    Participation,
    Status,
    StatusChange,
)

GOOD = (
    "respondent,income_group,survey,C01.in_place,C02.in_place,C01.maturity\n"
    "R01,high,government,yes,no,3\n"
    "R02,low,unicef,oui,,\n"
    "R03,upper_middle,unicef,don't know,yes,1\n"
)


def run(text: str, *, cycle: str = "imp-2024", **kwargs) -> object:
    return import_responses(data=text.encode(), file_name="survey.csv", cycle_code=cycle, **kwargs)


def write_file(tmp_path, text: str, name: str = "survey.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_good_file_creates_cycle_participants_and_validated_assessments(reference):
    report = run(GOOD, create_participants=True)
    cycle = Cycle.objects.get(code="imp-2024")
    assert cycle.framework == reference and not cycle.is_illustrative
    assert report.participants_created == 3 and report.answers_created == 7
    r01 = Country.objects.get(code="R01@imp-2024")
    assert r01.kind == CountryKind.ANONYMISED
    assert Participation.objects.get(cycle=cycle, country=r01).income_group == "high"
    assessment = Assessment.objects.get(cycle=cycle, country=r01)
    assert assessment.status == Status.VALIDATED
    change = StatusChange.objects.get(assessment=assessment)
    assert change.reason == "Imported from survey.csv"
    values = dict(
        Answer.objects.filter(assessment__cycle=cycle)
        .values_list("question__code", "value")
        .filter(assessment__country__code="R03@imp-2024")
    )
    assert values == {"C01.in_place": "dont_know", "C02.in_place": "yes", "C01.maturity": "1"}
    assert set(AnswerChange.objects.values_list("source", flat=True)) == {"import"}


def test_importing_the_same_file_twice_changes_nothing_the_second_time(reference):
    run(GOOD, create_participants=True)
    history = AnswerChange.objects.count()
    statuses = StatusChange.objects.count()
    second = run(GOOD, create_participants=True)
    assert second.changes == 0
    assert second.answers_unchanged == 7
    assert AnswerChange.objects.count() == history
    assert StatusChange.objects.count() == statuses
    assert "Nothing to change" in "\n".join(second.lines())


def test_a_changed_file_changes_only_what_differs_and_keeps_history(reference):
    run(GOOD, create_participants=True)
    report = run(GOOD.replace("R01,high,government,yes,no,3", "R01,high,government,no,,3"),
                 create_participants=True)  # fmt: skip
    assert (report.answers_changed, report.answers_cleared, report.answers_created) == (1, 1, 0)
    answer = Answer.objects.get(
        assessment__country__code="R01@imp-2024", question__code="C01.in_place"
    )
    assert answer.value == "no" and answer.version == 2
    assert list(answer.changes.values_list("old_value", "new_value")) == [
        ("", "yes"),
        ("yes", "no"),
    ]


def test_a_dry_run_reports_the_changes_and_writes_nothing(reference, tmp_path):
    before = (Cycle.objects.count(), Country.objects.count(), Answer.objects.count())
    out = io.StringIO()
    call_command(
        "import_responses", str(write_file(tmp_path, GOOD)), cycle="imp-2024",
        create_participants=True, dry_run=True, stdout=out,
    )  # fmt: skip
    assert "Would add answers: 7" in out.getvalue()
    assert "dry run" in out.getvalue()
    assert (Cycle.objects.count(), Country.objects.count(), Answer.objects.count()) == before


BAD_FILES = [
    pytest.param(
        GOOD.replace("C02.in_place", "C02.in_plaec"), 1, "C02.in_plaec", "unknown column",
        id="unknown column",
    ),
    pytest.param(GOOD.replace("R02,low", "R01,low"), 3, "respondent", "duplicate", id="duplicate"),
    pytest.param(GOOD.replace("yes,no,3", "perhaps,no,3"), 2, "C01.in_place", "perhaps", id="value"),
    pytest.param(GOOD.replace("yes,no,3", "yes,no,7"), 2, "C01.maturity", "1 to 4", id="phase"),
    pytest.param(GOOD.replace("R02,low", "R02,poor"), 3, "income_group", "poor", id="group"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "row", "column", "words"), BAD_FILES)
def test_a_bad_file_is_refused_with_row_and_column_and_nothing_changes(
    reference, tmp_path, text, row, column, words
):
    run(GOOD, create_participants=True)
    answers = Answer.objects.count()
    with pytest.raises(CommandError) as caught:
        call_command(
            "import_responses", str(write_file(tmp_path, text)), cycle="imp-2024",
            create_participants=True, stdout=io.StringIO(),
        )  # fmt: skip
    message = str(caught.value)
    assert f"Row {row}, column {column}:" in message
    assert words in message
    assert "nothing was imported" in message
    assert Answer.objects.count() == answers


def test_unknown_respondents_are_refused_without_create_participants(reference):
    with pytest.raises(ImportRefused) as caught:
        run(GOOD)
    problems = caught.value.report.problems
    assert [(p.row, p.column) for p in problems] == [
        (2, "respondent"),
        (3, "respondent"),
        (4, "respondent"),
    ]
    assert "create-participants" in str(problems[0])
    assert not Cycle.objects.filter(code="imp-2024").exists()
    assert Answer.objects.count() == 0


def test_every_problem_is_listed_not_just_the_first(reference):
    text = GOOD.replace("yes,no,3", "maybe,nope,9").replace("C02.in_place", "C99.x")
    with pytest.raises(ImportRefused) as caught:
        run(text, create_participants=True)
    where = {(p.row, p.column) for p in caught.value.report.problems}
    assert {(1, "C99.x"), (2, "C01.in_place"), (2, "C01.maturity")} <= where


def test_a_real_country_code_is_that_country(reference):
    run("respondent,C01.in_place\nGHA,yes\n")
    assessment = Assessment.objects.get(cycle__code="imp-2024")
    assert assessment.country.code == "GHA"


def test_xlsx_files_are_imported_like_csv(reference, tmp_path):
    book = Workbook()
    sheet = book.active
    for line in GOOD.strip().splitlines():
        sheet.append([cell or None for cell in line.split(",")])
    sheet["F2"] = 3  # a number cell for the maturity phase
    path = tmp_path / "survey.xlsx"
    book.save(path)
    call_command(
        "import_responses", str(path), cycle="imp-2024", create_participants=True,
        stdout=io.StringIO(),
    )  # fmt: skip
    assert Answer.objects.filter(assessment__cycle__code="imp-2024").count() == 7


def test_a_file_that_is_not_what_its_name_says_is_refused(reference):
    with pytest.raises(ImportRefused) as caught:
        import_responses(data=b"respondent\nR01\n", file_name="x.xlsx", cycle_code="imp-2024")
    assert "not an Excel workbook" in str(caught.value)
    with pytest.raises(ImportRefused):
        import_responses(data=b"PK\x03\x04junk", file_name="x.csv", cycle_code="imp-2024")
    with pytest.raises(ImportRefused):
        import_responses(data=b"respondent\nR01\n", file_name="x.ods", cycle_code="imp-2024")


@pytest.mark.parametrize("command", ["import_responses", "load_framework", "questionnaire_import"])
def test_commands_refuse_a_file_over_the_upload_bound_and_a_missing_file(
    command, tmp_path, settings
):
    from django.core.management import CommandError, call_command

    settings.MRN_MAX_UPLOAD_BYTES = 100
    big = tmp_path / "big.csv"
    big.write_bytes(b"respondent,C01.in_place\n" + b"R1,yes\n" * 50)
    extra = {
        "import_responses": {"cycle": "x"},
        "load_framework": {},
        "questionnaire_import": {"user": "nobody"},
    }[command]
    with pytest.raises(CommandError, match="at most 100 are accepted"):
        call_command(command, str(big), **extra)
    with pytest.raises(CommandError, match="Cannot read"):
        call_command(command, str(tmp_path / "missing.csv"), **extra)
