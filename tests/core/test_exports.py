import csv
import io

import pytest

from core.exports import csv_lines, neutralize_formula, stream_csv_response


@pytest.mark.parametrize(
    "value",
    ['=HYPERLINK("http://x")', "+1+2", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"],
)
def test_formula_cells_get_a_leading_apostrophe(value):
    assert neutralize_formula(value) == "'" + value


@pytest.mark.parametrize("value", ["Priya", "a=b", "", "x@example.com", 5, -3, None, True])
def test_other_values_pass_unchanged(value):
    assert neutralize_formula(value) == value


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
