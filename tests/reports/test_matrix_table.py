"""One matrix table everywhere (reports.tables): the command, the page's table and its CSV/XLSX
download, the cycle's matrix export and the PDF agree cell for cell, for an analyst and for a
focal point, whose breakdown by income group withholds the same cells everywhere."""

from __future__ import annotations

import csv
import io
from dataclasses import fields
from html.parser import HTMLParser

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from openpyxl import load_workbook

from capabilities.aggregates import capability_matrix
from capabilities.models import Cycle
from capabilities.permissions import aggregate_min_cell
from capabilities.reference_data import BASELINE_CSV
from reports import pdf
from reports.charts import n_of_n, percent, share_text
from reports.tables import MATRIX_COLUMNS, MatrixRow, matrix_rows
from tests.factories import ensure_reference_data

CODE = "baseline-2021"
PARAMS = {"cycle": CODE, "by": "income_group"}


@pytest.fixture(scope="module")
def _imported_baseline(django_db_setup, django_db_blocker):
    """The illustrative baseline (42 countries, one low-income respondent), imported once for the
    module inside a transaction rolled back at its end."""
    with django_db_blocker.unblock():
        ensure_reference_data()  # a transactional test on this worker may have flushed it
    with django_db_blocker.unblock(), transaction.atomic():
        call_command(
            "import_responses",
            str(BASELINE_CSV),
            cycle=CODE,
            create_participants=True,
            illustrative=True,
            stdout=io.StringIO(),
        )
        yield
        transaction.set_rollback(True)


@pytest.fixture
def baseline(_imported_baseline, reference) -> Cycle:
    return Cycle.objects.get(code=CODE)


class _Tables(HTMLParser):
    """The text of every cell of every table of a page, by table id (or its position)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._table: list[list[str]] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._table = self.tables.setdefault(dict(attrs).get("id") or str(len(self.tables)), [])
        elif tag == "tr" and self._table is not None:
            self._table.append([])
        elif tag in ("td", "th") and self._table is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._table is not None:
            self._table[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def html_tables(html: str) -> dict[str, list[list[str]]]:
    parser = _Tables()
    parser.feed(html)
    return parser.tables


def csv_rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def as_file_cells(row: MatrixRow) -> list[str]:
    """A row as CSV cells: None empty, suppressed "true"/"false"."""
    return ["" if v is None else str(v) for v in row.values()]


def page_cells(row: MatrixRow) -> list[str]:
    """What the matrix page's table shows for a row of a breakdown (templates/reports/matrix.html)."""
    dash = "–"
    head = [f"{row.capability} {row.capability_label}", f"{row.domain} {row.domain_label}"]
    head.append(row.group_label)
    if row.suppressed:
        counts = [row.reason, str(row.answered if row.answered is not None else dash)]
        counts += [str(row.no_answer if row.no_answer is not None else dash), dash]
    else:
        counts = [str(row.yes), str(row.no), str(row.answered), str(row.no_answer)]
        counts.append(percent(row.yes_pct) if row.yes_pct is not None else dash)
    return [*head, *counts, n_of_n(row)]


def test_the_row_fields_are_the_columns_in_order():
    assert tuple(f.name for f in fields(MatrixRow)) == MATRIX_COLUMNS


@pytest.mark.parametrize("persona", ["analyst", "focal_a"])
def test_command_page_downloads_export_and_pdf_hold_the_same_matrix_table(
    client, baseline, persona, request
):
    user = request.getfixturevalue(persona)
    analyst = persona == "analyst"
    min_cell = aggregate_min_cell(user)
    assert (min_cell is None) == analyst
    expected = matrix_rows(capability_matrix(baseline, by="income_group", min_cell=min_cell), "en")
    assert len({r.capability for r in expected}) == 18  # the rows of Figure 1
    assert [r.group for r in expected][:1] == [""] and {r.group for r in expected} >= {"low"}
    withheld = [r for r in expected if r.answered is None]
    if analyst:
        assert withheld == []  # analysts get every count
    else:
        # the focal point's breakdown withholds counts (scoring.protect_breakdown)
        assert withheld and all(r.suppressed and r.no_answer is None for r in withheld)
        assert {r.group for r in withheld} >= {"low"}
    file_rows = [list(MATRIX_COLUMNS)] + [as_file_cells(r) for r in expected]

    if analyst:  # the command prints exact figures, as analysts see them
        out = io.StringIO()
        call_command("capability_matrix", "--cycle", CODE, "--by", "income_group", stdout=out)
        assert csv_rows(out.getvalue().encode()) == file_rows

    client.force_login(user)
    download = client.get(reverse("reports:matrix_download", args=["csv"]), PARAMS)
    assert csv_rows(download.content) == file_rows

    xlsx = client.get(reverse("reports:matrix_download", args=["xlsx"]), PARAMS)
    sheet = list(load_workbook(io.BytesIO(xlsx.content)).active.iter_rows(values_only=True))
    assert [list(r) for r in sheet] == [list(MATRIX_COLUMNS)] + [
        [None if v == "" else v for v in r.values()]
        for r in expected  # XLSX: empty is None
    ]

    export = csv_rows(client.get(reverse("reports:matrix_export", args=[CODE, "csv"])).content)
    assert export[0] == list(MATRIX_COLUMNS)
    assert [r for r in export[1:] if r[1] == "income_group"] == [
        as_file_cells(r) for r in expected if r.group
    ]

    page = client.get(reverse("reports:matrix"), PARAMS)
    shown = html_tables(page.content.decode())["matrix-table"]
    assert shown[1:] == [page_cells(r) for r in expected]

    html = pdf.matrix_report_html(
        baseline, lang="en", min_cell=min_cell, breakdowns=("income_group",)
    )
    printed = next(t for t in html_tables(html).values() if "High income" in " ".join(t[0]))
    groups = [cell.split(" (N = ")[0] for cell in printed[0][1:]]
    by_key = {(r.capability, r.group_label): r for r in expected if r.group}
    for line in printed[1:]:
        code = line[0].split()[0]
        for label, text in zip(groups, line[1:], strict=True):
            row = by_key[(code, label)]
            assert text == (share_text(row) if row.shown else row.reason)
