"""Spreadsheet-safe exports shared by the admin classes (leads, contacts).

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is run as a
formula by Excel, LibreOffice and Google Sheets (CSV injection). ``neutralize_formula`` prefixes
such text with an apostrophe, which spreadsheets show as plain text. ``stream_csv_response``
writes a CSV from any iterable of rows without holding them all in memory.
"""

import csv
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from django.http import StreamingHttpResponse

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralize_formula(value: Any) -> Any:
    """Return ``value`` with a leading apostrophe if a spreadsheet would run it as a formula.

    Only text is touched: numbers, dates, booleans and None pass through unchanged (a negative
    number is a number, not a formula).
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


class _Echo:
    """A file-like object whose ``write`` returns the line instead of storing it."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """Yield the CSV text of ``header`` and ``rows`` line by line, every cell neutralized."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow([neutralize_formula(cell) for cell in header])
    for row in rows:
        yield writer.writerow(["" if cell is None else neutralize_formula(cell) for cell in row])


def stream_csv_response(
    *,
    filename: str,
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
) -> StreamingHttpResponse:
    """Return a streaming CSV download of ``rows``; pass a generator to keep memory flat.

    The text starts with a byte-order mark so that Excel reads UTF-8 (₹, accents) correctly.
    """
    response = StreamingHttpResponse(
        csv_lines(header, rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def iterate_queryset_rows(
    queryset, row: Callable[[Any], Sequence[Any]], *, chunk_size: int = 2000
) -> Iterator[Sequence[Any]]:
    """Yield ``row(obj)`` for each object of ``queryset``, fetched ``chunk_size`` at a time.

    ``iterator()`` uses a server-side cursor on PostgreSQL and never fills the queryset cache,
    so memory stays bounded by one chunk whatever the table size.
    """
    for obj in queryset.iterator(chunk_size=chunk_size):
        yield row(obj)
