"""Spreadsheet exports that round-trip, shared by the admin classes (leads, contacts).

Excel, LibreOffice and Google Sheets run a CSV cell that starts with ``=``, ``@``, a tab or a
carriage return as a formula, and one that starts with ``+`` or ``-`` followed by anything
but a number (``+cmd|' /C calc'!A0``, ``-2+3``): CSV injection. ``neutralize_formula``
prefixes exactly those cells with an apostrophe, which spreadsheets show as plain text; a
phone number (``+91 98765 43210``) or a signed number is left alone. ``strip_neutralization``
removes exactly that apostrophe again on import, and nothing else.

XLSX cells carry real types instead (``xlsx_cell``): numbers are numbers, times are
spreadsheet dates in the site's time zone to the second, and text is stored as text, so a
formula-looking name is shown, never run, and needs no apostrophe.
"""

import csv
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import connections, transaction
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from import_export.formats.base_formats import XLSX
from import_export.forms import SelectableFieldsExportForm
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_PREFIXES = ("=", "@", "\t", "\r")
SIGNED_PREFIXES = ("+", "-")
# What follows a leading + or - in a phone number or a signed number: never a formula.
_NUMBER_LIKE = re.compile(r"[+-][0-9\s().\-/]*")
DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"
XLSX_DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
XLSX_DATE_FORMAT = "yyyy-mm-dd"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def runs_as_formula(text: str) -> bool:
    """Whether a spreadsheet opening a CSV would run ``text`` as a formula."""
    if text.startswith(FORMULA_PREFIXES):
        return True
    return text.startswith(SIGNED_PREFIXES) and not _NUMBER_LIKE.fullmatch(text)


def neutralize_formula(value: Any) -> Any:
    """Return ``value`` with a leading apostrophe if a spreadsheet would run it as a formula.

    Only text is touched: numbers, dates, booleans and None pass through unchanged (a negative
    number is a number, not a formula).
    """
    if isinstance(value, str) and runs_as_formula(value):
        return "'" + value
    return value


def strip_neutralization(value: Any) -> Any:
    """Undo ``neutralize_formula``: drop the apostrophe it added, and only that one.

    ``'=SUM(A1)`` becomes ``=SUM(A1)``; ``'tis`` or ``'+91 98765 43210`` stay as they are,
    since the export never writes them.
    """
    if isinstance(value, str) and value.startswith("'") and runs_as_formula(value[1:]):
        return value[1:]
    return value


def local_datetime(value: datetime) -> datetime:
    """``value`` in the site's time zone, naive, to the second (what a spreadsheet holds)."""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.replace(tzinfo=None, microsecond=0)


def csv_cell(value: Any) -> Any:
    """One CSV cell: empty for None, times in the site's time zone, formulas neutralized."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return local_datetime(value).strftime(DATETIME_FORMAT)
    if isinstance(value, date):
        return value.isoformat()
    return neutralize_formula(value)


def xlsx_cell(sheet, value: Any) -> WriteOnlyCell:
    """One typed XLSX cell: numbers, dates and times as such, text always as text."""
    if isinstance(value, datetime):
        cell = WriteOnlyCell(sheet, value=local_datetime(value))
        cell.number_format = XLSX_DATETIME_FORMAT
        return cell
    if isinstance(value, date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = XLSX_DATE_FORMAT
        return cell
    if value is None or isinstance(value, int | float | Decimal):  # bool is an int
        return WriteOnlyCell(sheet, value=value)
    # Text stays text (ids and anything else as their text): a leading "=" is never stored as
    # a formula. Control characters that XLSX cannot hold are dropped.
    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", str(value)))
    cell.data_type = "s"
    return cell


class ColumnsExportForm(SelectableFieldsExportForm):
    """The export page's column chooser, each box labelled with the column it writes."""

    def _get_field_label(self, resource, field_name: str) -> str:
        field = resource.fields.get(field_name)
        return field.column_name if field is not None else field_name


class _Echo:
    """A file-like object whose ``write`` returns the line instead of storing it."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """Yield the CSV text of ``header`` and ``rows`` line by line, every cell neutralized."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow([csv_cell(cell) for cell in header])
    for row in rows:
        yield writer.writerow([csv_cell(cell) for cell in row])


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


def stream_xlsx_response(
    *, filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]
) -> FileResponse:
    """Return an XLSX download of ``rows``, written row by row through a temporary file.

    openpyxl's write-only mode keeps one row in memory at a time; the finished file is sent
    from disk.
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append([xlsx_cell(sheet, str(column)) for column in header])
    for row in rows:
        sheet.append([xlsx_cell(sheet, value) for value in row])
    # FileResponse closes the file once it is sent; the temporary file then disappears.
    output = tempfile.TemporaryFile()  # noqa: SIM115
    workbook.save(output)
    output.seek(0)
    return FileResponse(
        output, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE
    )


class StreamedExportMixin:
    """import-export's export, streamed: what the list shows (filters, search, scoping) is
    written in chunks to a CSV or XLSX answer instead of built into one dataset in memory, with
    exactly the columns ticked on the export page, in its order.

    The admin says which resource (``export_resource()``) and how its rows come
    (``export_rows(resource, queryset, selected)``: typed values in header order), and may
    answer instead of exporting (``export_refusal``: a redirect with a message).
    """

    def export_resource(self):
        raise NotImplementedError

    def export_rows(self, resource, queryset, selected) -> Iterable[Sequence[Any]]:
        raise NotImplementedError

    def export_refusal(self, request, queryset, file_format):
        return None

    def _do_file_export(self, file_format, request, queryset, export_form=None):
        if not self.has_export_permission(request):
            raise PermissionDenied
        refusal = self.export_refusal(request, queryset, file_format)
        if refusal is not None:
            return refusal
        resource = self.export_resource()
        selected = self.get_export_resource_fields_from_form(export_form)
        stream = stream_xlsx_response if isinstance(file_format, XLSX) else stream_csv_response
        return stream(
            filename=self.get_export_filename(request, queryset, file_format),
            header=resource.get_export_headers(selected_fields=selected),
            rows=self.export_rows(resource, queryset, selected),
        )
