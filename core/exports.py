"""Spreadsheet-safe exports shared by the admin classes (leads, contacts).

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is run as a
formula by Excel, LibreOffice and Google Sheets (CSV injection). ``neutralize_formula`` prefixes
such text with an apostrophe, which spreadsheets show as plain text. ``stream_csv_response``
writes a CSV from any iterable of rows without holding them all in memory.
"""

import csv
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from django.db import connections, transaction
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


def stream_queryset(queryset, *, chunk_size: int = 2000) -> Iterator[Any]:
    """Yield the results of ``queryset`` ``chunk_size`` at a time, memory bounded by one chunk.

    ``iterator()`` reads through a server-side cursor on PostgreSQL. Behind a transaction-mode
    pooler (``DATABASE_TRANSACTION_POOLER``, which sets ``DISABLE_SERVER_SIDE_CURSORS``)
    ``iterator()`` would read every row into memory first; there the cursor is opened inside a
    transaction instead (``DECLARE`` without ``HOLD``), which keeps it on one server connection
    until the last row: the export holds one pooled server connection while it streams.
    """
    connection = connections[queryset.db]
    if connection.vendor != "postgresql" or not connection.settings_dict.get(
        "DISABLE_SERVER_SIDE_CURSORS"
    ):
        yield from queryset.iterator(chunk_size=chunk_size)
        return
    with transaction.atomic(using=queryset.db):
        # QuerySet._iterator is what iterator() calls, with the chunked fetch forced on; inside
        # atomic() Django declares the cursor WITHOUT HOLD.
        yield from queryset._iterator(use_chunked_fetch=True, chunk_size=chunk_size)


def iterate_queryset_rows(
    queryset, row: Callable[[Any], Sequence[Any]], *, chunk_size: int = 2000
) -> Iterator[Sequence[Any]]:
    """Yield ``row(obj)`` for each object of ``queryset``, fetched ``chunk_size`` at a time.

    A server-side cursor on PostgreSQL (``stream_queryset``), never the queryset cache: memory
    stays bounded by one chunk whatever the table size.
    """
    for obj in stream_queryset(queryset, chunk_size=chunk_size):
        yield row(obj)
