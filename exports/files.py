"""Write an export job's file in the worker, from the same admin code as a download.

How the worker finds the rows: it rebuilds the request. The job keeps the export page's query
string (the changelist's filters, search and ordering), and the worker makes a GET request for
that address signed in as the job's staff member (``RequestFactory``), then asks the model's
admin class for its export queryset (``get_export_queryset``: the class's ``get_queryset``,
hence ``for_user`` scoping, plus the ChangeList's filters and search), exactly as the export
page does within a request. We keep the query string rather than the list of primary keys
because it is a few hundred bytes whatever the size of the export (a key list of a million
leads is not), and because scoping and permissions are applied again when the file is
written: a staff member who lost the export permission or an organization meanwhile gets no
row they may no longer see. The file holds the rows as they are when it is written. Rows picked
by an admin action are the one exception: their keys (one page at most) are kept and applied
on top, as the export page does.

The file itself comes from ``core/exports.py``'s writers (``csv_lines``, which the streamed CSV
download sends, and ``stream_xlsx_response``: openpyxl's write-only mode, typed cells), so a
file written here has the bytes (CSV) or cells (XLSX) of a direct download of the same list.
"""

import tempfile
from collections.abc import Iterable, Iterator
from typing import Any

from django.apps import apps
from django.contrib import admin
from django.core.files import File
from django.core.files.storage import default_storage
from django.test import RequestFactory
from django.urls import reverse

from core.exports import csv_lines, stream_xlsx_response
from exports.models import ExportJob


class ExportRefused(Exception):
    """The job may not run (any more): the reason is shown to its staff member."""


class _Counted:
    """Iterate ``rows``, counting them."""

    def __init__(self, rows: Iterable[Any]):
        self.rows = rows
        self.count = 0

    def __iter__(self) -> Iterator[Any]:
        for row in self.rows:
            self.count += 1
            yield row


def export_request(job: ExportJob, model_admin):
    """A GET request for the job's export page, as its staff member."""
    opts = model_admin.model._meta
    path = reverse(f"admin:{opts.app_label}_{opts.model_name}_export")
    request = RequestFactory().get(f"{path}?{job.query_string}" if job.query_string else path)
    request.user = job.user
    return request


def export_queryset(job: ExportJob):
    """Return (the model's admin class, the request, the rows to export) for ``job``.

    Raise ``ExportRefused`` when its staff member may no longer export them.
    """
    try:
        model = apps.get_model(job.model_label)
    except LookupError as error:
        raise ExportRefused(f"{job.model_label} can no longer be exported.") from error
    model_admin = admin.site.get_model_admin(model) if admin.site.is_registered(model) else None
    if model_admin is None or not hasattr(model_admin, "background_export_table"):
        raise ExportRefused(f"{job.model_label} can no longer be exported.")
    request = export_request(job, model_admin)
    user = job.user
    if not (user.is_active and user.is_staff and model_admin.has_export_permission(request)):
        raise ExportRefused(
            f"You may no longer export {model._meta.verbose_name_plural}: ask a manager."
        )
    queryset = model_admin.get_export_queryset(request)
    if job.item_ids is not None:
        queryset = queryset.filter(pk__in=job.item_ids)
    return model_admin, request, queryset


def write_export_file(job: ExportJob, attempt: int) -> tuple[str, int]:
    """Write ``job``'s file to the default storage; return its storage name and row count."""
    model_admin, request, queryset = export_queryset(job)
    resource_classes = model_admin.get_export_resource_classes(request)
    resource_class = resource_classes[min(job.resource_index, len(resource_classes) - 1)]
    resource = resource_class(**model_admin.get_export_resource_kwargs(request))
    header, rows = model_admin.background_export_table(queryset, resource, job.selected_fields)
    counted = _Counted(rows)
    try:
        if job.file_format == ExportJob.Format.XLSX:
            # The workbook, written row by row to a temporary file (openpyxl write-only).
            output = stream_xlsx_response(
                filename=job.file_name, header=header, rows=counted
            ).file_to_stream
        else:
            # The lines of the streamed download, in a temporary file.
            output = tempfile.TemporaryFile()  # noqa: SIM115 (closed below)
            for line in csv_lines(header, counted):
                output.write(line.encode("utf-8"))
            output.seek(0)
        # Handed to the storage in one piece: it never holds half a file under the job's name.
        # (Not response.close(): that is the end of a web request, which closes the database
        # connection.)
        with output:
            name = default_storage.save(job.storage_name(attempt), File(output, name=job.file_name))
    finally:
        # A run that stopped half-way closes its rows' generator (and the cursor under it).
        close = getattr(counted.rows, "close", None)
        if close is not None:
            close()
    return name, counted.count
