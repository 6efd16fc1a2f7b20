"""Imports cannot be used as bombs, and accept what Excel and LibreOffice write by default.

Each hostile file is refused with a row/column message, quickly, and nothing is written; the
files ministries save from their spreadsheet programs are read and the report says how.
"""

import codecs
import io
import os
import shutil
import subprocess
import time
import tracemalloc
import zipfile

import pytest
from openpyxl import Workbook

from capabilities import values
from capabilities.importer import ImportRefused, import_responses, read_table
from capabilities.models import Answer, Country, Cycle

ROWS = [
    ["respondent", "income_group", "C01.in_place", "C01.maturity", "C14.policy_change"],
    ["R01", "high", "oui", "3", "Loi révisée"],
    ["R02", "low", "non", "", "Évaluation à venir"],
]


def run(data: bytes, name: str = "survey.csv", **kwargs) -> object:
    return import_responses(
        data=data, file_name=name, cycle_code="imp-2024", create_participants=True, **kwargs
    )


def refused(data: bytes, name: str = "survey.csv") -> list[str]:
    started = time.perf_counter()
    tracemalloc.start()
    try:
        with pytest.raises(ImportRefused) as caught:
            run(data, name)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - started < 5, "a hostile file must be refused within seconds"
    assert peak < 100 * 1024 * 1024, f"peak {peak} bytes"
    assert not Cycle.objects.filter(code="imp-2024").exists()
    assert not Answer.objects.exists()
    return [str(p) for p in caught.value.report.problems]


def text(rows: list[list[str]], sep: str = ",") -> str:
    return "".join(sep.join(row) + "\r\n" for row in rows)


def imported_values() -> dict[tuple[str, str], str]:
    return {
        (code.split("@")[0], question): value
        for code, question, value in Answer.objects.values_list(
            "assessment__country__code", "question__code", "value"
        )
    }


EXPECTED = {
    ("R01", "C01.in_place"): "yes",
    ("R01", "C01.maturity"): "3",
    ("R01", "C14.policy_change"): "Loi révisée",
    ("R02", "C01.in_place"): "no",
    ("R02", "C14.policy_change"): "Évaluation à venir",
}


@pytest.mark.parametrize(
    ("encoded", "sep", "name", "read_as"),
    [
        (lambda t: t.encode("utf-8"), ",", "s.csv", "UTF-8 text separated by commas"),
        (
            lambda t: codecs.BOM_UTF8 + t.encode("utf-8"),
            ";",
            "s.csv",
            "UTF-8 text separated by semicolons",
        ),
        (  # French Excel's "CSV (separator: semicolon)"
            lambda t: t.encode("cp1252"),
            ";",
            "s.csv",
            "Windows-1252 text separated by semicolons",
        ),
        (  # Excel's "Unicode text"
            lambda t: t.encode("utf-16"),
            "\t",
            "s.txt",
            "UTF-16 text separated by tabs",
        ),
        (
            lambda t: codecs.BOM_UTF16_BE + t.encode("utf-16-be"),
            ",",
            "s.csv",
            "UTF-16 text separated by commas",
        ),
    ],
)
def test_what_spreadsheet_programs_write_is_read_and_the_report_says_how(
    reference, encoded, sep, name, read_as
):
    report = run(encoded(text(ROWS, sep)), name)
    assert report.read_as == read_as
    assert f"Read as {read_as}." in report.lines()[0]
    assert imported_values() == EXPECTED


def test_a_file_in_no_known_encoding_is_refused_with_what_to_do(reference):
    # 0x81 is undefined in Windows-1252 and invalid in UTF-8
    problems = refused(b"respondent,C01.in_place\nR\x81,yes\n")
    assert "not text in UTF-8, UTF-16 or Windows-1252" in problems[0]
    assert "Unicode text" in problems[0]
    problems = refused(b"respondent,C01.in_place\x00\x01\x02\n")
    assert "not a text file" in problems[0]
    problems = refused(b"respondent,C01.in_place\nR01,\x07yes\n")
    assert "Row 2" in problems[0] and "control character" in problems[0]


def test_a_huge_maturity_in_a_tiny_csv_is_refused_at_once(reference):
    problems = refused(b"respondent,C01.maturity\nR01,1e999999\n")
    assert problems[0].startswith("Row 2, column C01.maturity: Expected a maturity phase")
    problems = refused(b"respondent,C04.officers\nR01,1e1000000\n")
    assert problems[0].startswith("Row 2, column C04.officers:")


def test_too_many_rows_stop_the_reading_with_the_row_number(reference):
    data = b"respondent,C01.in_place\n" + b"R1,yes\n" * 1_000_000  # 7 MB, a million rows
    started = time.perf_counter()
    with pytest.raises(ValueError) as caught:
        read_table(data[: 5 * 1024 * 1024 - 1], "s.csv")
    assert time.perf_counter() - started < 5
    assert f"more than {values.IMPORT_MAX_ROWS} respondent rows" in str(caught.value)
    assert caught.value.row == values.IMPORT_MAX_ROWS + 2
    problems = refused(data)  # over the size limit: refused before reading
    assert "at most 5.0 MB" in problems[0]


def test_too_many_columns_and_too_long_cells_are_refused_with_row_and_column(reference):
    wide = ",".join(["respondent"] + [f"x{i}" for i in range(values.IMPORT_MAX_COLUMNS)])
    problems = refused(wide.encode() + b"\n")
    assert problems[0].startswith("Row 1: the row has 301 columns; at most 300")
    long_cell = "respondent,C14.policy_change\nR01," + "x" * 130_000 + "\n"
    problems = refused(long_cell.encode())
    assert problems[0].startswith("Row 2: column 2 holds 130000 characters; at most 20000")
    over_csv_limit = "respondent,C14.policy_change\nR01," + "x" * 200_000 + "\n"
    problems = refused(over_csv_limit.encode())
    assert problems[0].startswith("Row 2:") and "longer than 20000 characters" in problems[0]
    unclosed = 'respondent,C14.policy_change\nR01,"' + "x" * 200_000 + "\n"
    assert "quote" in refused(unclosed.encode())[0]


@pytest.mark.parametrize(
    "respondent", ["../../../../x", "R01\nR02", "R 01", "R01/x", "é01", "x" * 21, "-R01"]
)
def test_respondent_ids_outside_the_documented_characters_are_refused(reference, respondent):
    data = text([["respondent", "C01.in_place"], [f'"{respondent}"', "yes"]]).encode()
    problems = refused(data)
    assert problems[0].startswith("Row 2, column respondent:")
    assert "letters, digits" in problems[0]
    assert not Country.objects.filter(code__contains="@imp-2024").exists()


def xlsx(rows: list[list[str]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def patch_sheet(data: bytes, change) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = change(content)
            target.writestr(item, content)
    return out.getvalue()


def test_an_xlsx_declaring_a_huge_sheet_is_read_in_bounded_time_and_memory(reference):
    def declare_huge(xml: bytes) -> bytes:
        xml = xml.replace(b'<dimension ref="A1:E3"/>', b'<dimension ref="A1:XFD200000"/>')
        # one real cell far away: row 200,000, column XFD (16,384)
        return xml.replace(
            b"</sheetData>",
            b'<row r="200000"><c r="XFD200000" t="inlineStr"><is><t>x</t></is></c></row>'
            b"</sheetData>",
        )

    data = patch_sheet(xlsx(ROWS), declare_huge)
    assert len(data) < 10_000
    problems = refused(data, "s.xlsx")
    assert problems == [
        "Row 200000: the row has a value in column 16384; at most 300 columns are accepted."
    ]


def test_an_xlsx_with_rows_beyond_the_limit_is_refused_with_the_row(reference):
    def far_row(xml: bytes) -> bytes:
        return xml.replace(
            b"</sheetData>",
            b'<row r="900000"><c r="A900000" t="inlineStr"><is><t>R9</t></is></c></row>'
            b"</sheetData>",
        )

    problems = refused(patch_sheet(xlsx(ROWS), far_row), "s.xlsx")
    assert problems[0].startswith("Row 900000: the file has more than 2000 respondent rows")


def test_an_xlsx_that_unpacks_to_too_much_is_refused_before_reading(reference):
    def padded(xml: bytes) -> bytes:
        return xml.replace(b"</worksheet>", b" " * (40 * 1024 * 1024) + b"</worksheet>")

    data = patch_sheet(xlsx(ROWS), padded)
    assert len(data) < 200_000  # a zip bomb: small packed, 40 MB unpacked
    assert "unpacks to 40 MB; at most 30 MB" in refused(data, "s.xlsx")[0]


def test_an_xlsx_with_entity_declarations_is_refused(reference):
    def laughs(xml: bytes) -> bytes:
        head = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]>'
        return head + xml

    assert "cannot be read" in refused(patch_sheet(xlsx(ROWS), laughs), "s.xlsx")[0]


def test_an_xlsx_is_imported_with_shared_strings_numbers_and_booleans(reference):
    rows = [r[:] for r in ROWS]
    rows[1][3] = 3  # a number cell
    report = run(xlsx(rows), "s.xlsx")
    assert report.read_as == "Excel workbook, first sheet"
    assert imported_values() == EXPECTED


SOFFICE = shutil.which("soffice")


@pytest.mark.skipif(
    SOFFICE is None and os.environ.get("MRN_REQUIRE_BROWSER") != "true",  # CI installs it
    reason="LibreOffice (soffice) is not installed (apt-get install libreoffice-calc-nogui)",
)
@pytest.mark.parametrize(
    ("target", "name"),
    [
        ("xlsx", "survey.xlsx"),
        # Semicolon-separated, Windows-1252 (filter options: 59 = ';', 34 = '"', 1252)
        ("csv:Text - txt - csv (StarCalc):59,34,1252", "survey.csv"),
    ],
)
def test_files_written_by_libreoffice_are_imported(reference, tmp_path, target, name):
    source = tmp_path / "in" / "survey.ods"
    source.parent.mkdir()
    source.write_bytes(xlsx(ROWS))
    source = source.rename(source.with_suffix(".xlsx"))
    out = tmp_path / "out"
    subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--headless",
            "--convert-to",
            target,
            "--outdir",
            str(out),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    written = next(out.iterdir())
    data = written.read_bytes()
    if name.endswith(".csv"):
        assert b";" in data and "é".encode("cp1252") in data  # really what we asked for
    run(data, name)
    assert imported_values() == EXPECTED


@pytest.mark.parametrize(
    "data",
    [
        b"respondent,C14.policy_change\nR01," + b"x" * 200_000 + b"\n",
        b"respondent,C04.officers\nR01,1e1000000\n",
        b"respondent,C01.maturity\nR01,1e999999\n",
    ],
)
def test_the_upload_page_answers_hostile_files_with_a_message_not_a_500(
    client, admin_user, reference, data
):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    client.force_login(admin_user)
    response = client.post(
        reverse("reports:import_upload"),
        {
            "file": SimpleUploadedFile("s.csv", data),
            "cycle": "imp-2024",
            "create_participants": "on",
        },
    )
    assert response.status_code == 422
    assert "refused, nothing was imported" in response.content.decode()
    assert not Answer.objects.exists()
