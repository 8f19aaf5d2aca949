import csv
import io
from datetime import UTC, date, datetime

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from core.exports import (
    csv_lines,
    neutralize_formula,
    stream_csv_response,
    stream_xlsx_response,
    strip_neutralization,
)

FORMULAS = [
    '=HYPERLINK("http://x")',
    "+1+2",
    "-2+3",
    "+cmd|' /C calc'!A0",
    "-SUM(A1)",
    "@SUM(A1)",
    "\tcmd",
    "\rcmd",
]
NOT_FORMULAS = [
    "Priya",
    "a=b",
    "",
    "x@example.com",
    "+91 98765 43210",
    "+1 (555) 010-9999",
    "-5",
    "-12.50",
    "'tis",
    5,
    -3,
    None,
    True,
]


@pytest.mark.parametrize("value", FORMULAS)
def test_formula_cells_get_a_leading_apostrophe_which_the_import_strips(value):
    assert neutralize_formula(value) == "'" + value
    assert strip_neutralization(neutralize_formula(value)) == value


@pytest.mark.parametrize("value", NOT_FORMULAS)
def test_other_values_pass_unchanged_both_ways(value):
    # A phone number or a signed number is not run by a spreadsheet: no apostrophe, and an
    # apostrophe the export never adds is not taken away on import.
    assert neutralize_formula(value) == value
    assert strip_neutralization(value) == value
    if isinstance(value, str):
        assert strip_neutralization("'" + value) == "'" + value


def test_xlsx_cells_are_typed_and_text_stays_text():
    moment = datetime(2026, 12, 4, 5, 30, 15, 123456, tzinfo=UTC)
    rows = iter([["=1+1", 7, 2.5, moment, date(2026, 1, 2), None, "bell\x07"]])

    response = stream_xlsx_response(filename="t.xlsx", header=list("abcdefg"), rows=rows)

    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    cells = list(sheet.iter_rows(min_row=2))[0]
    assert [cell.value for cell in cells[:3]] == ["=1+1", 7, 2.5]
    assert cells[0].data_type == "s"  # never a formula
    local = timezone.localtime(moment).replace(tzinfo=None, microsecond=0)
    assert cells[3].value == local and cells[3].is_date
    assert cells[4].value.date() == date(2026, 1, 2) and cells[4].is_date
    assert cells[5].value is None
    assert cells[6].value == "bell"  # a control character XLSX cannot hold is dropped


def test_csv_times_are_local_to_the_second():
    moment = datetime(2026, 12, 4, 5, 30, 15, 123456, tzinfo=UTC)

    lines = list(csv_lines(["t", "d"], [[moment, date(2026, 1, 2)]]))

    assert lines[1] == (
        timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S") + ",2026-01-02\r\n"
    )


def test_streamed_csv_neutralizes_every_cell_and_keeps_the_rest():
    rows = (row for row in [["=1+1", "Asha", None], ["plain", "-x", 7]])

    response = stream_csv_response(filename="t.csv", header=["a", "b", "c"], rows=rows)

    assert response.streaming
    assert response["Content-Disposition"] == 'attachment; filename="t.csv"'
    text = b"".join(response.streaming_content).decode("utf-8").lstrip("\ufeff")
    assert list(csv.reader(io.StringIO(text))) == [
        ["a", "b", "c"],
        ["'=1+1", "Asha", ""],
        ["plain", "'-x", "7"],
    ]


def test_csv_lines_is_lazy():
    def rows():
        yield ["first"]
        raise AssertionError("read past what was asked")

    lines = csv_lines(["h"], rows())

    assert next(lines).endswith("h\r\n")
    assert next(lines) == "first\r\n"
