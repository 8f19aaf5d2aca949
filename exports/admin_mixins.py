"""The admin side of background exports (and imports, ``BackgroundImportMixin`` below): one
mixin for an ``ExportMixin`` admin class.

Put ``BackgroundExportMixin`` before import-export's mixin in the class's bases. An export of at
most ``EXPORT_BACKGROUND_THRESHOLD`` rows streams from the request exactly as before (the
class's own ``_do_file_export``, untouched); a bigger one becomes an ``ExportJob`` that the
worker writes (exports/files.py), and the staff member is sent to "My exports".
"""

from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.forms import MultipleChoiceField, MultipleHiddenInput
from django.http import HttpResponseRedirect
from django.urls import reverse
from import_export.formats.base_formats import XLSX
from import_export.forms import ConfirmImportForm

from core.exports import stream_queryset
from exports.import_services import import_job_create
from exports.models import ExportJob, ImportJob
from exports.services import export_job_create

# A workbook is built within the request only up to this many rows; a bigger XLSX is always
# written by the worker, whatever EXPORT_BACKGROUND_THRESHOLD says.
XLSX_DIRECT_MAX_ROWS = 20_000
# Rows read at a time by a resource that gives one row per object (leads).
CHUNK_SIZE = 2000

MY_EXPORTS = "admin:exports_exportjob_changelist"
MY_IMPORT = "admin:exports_importjob_change"


def background_limit(*, is_xlsx: bool) -> int:
    """The most rows an export of this format writes within the request."""
    threshold = settings.EXPORT_BACKGROUND_THRESHOLD
    return min(threshold, XLSX_DIRECT_MAX_ROWS) if is_xlsx else threshold


def has_more_rows_than(queryset, limit: int) -> bool:
    """Whether ``queryset`` has more than ``limit`` rows, reading at most ``limit + 1`` ids."""
    return queryset.order_by().values("pk")[: limit + 1].count() > limit


class BackgroundExportMixin:
    """Send an export bigger than ``EXPORT_BACKGROUND_THRESHOLD`` rows to the worker.

    It looks at the export page's POST before import-export's ``export_action`` does: the
    same form, the same export queryset (``get_export_queryset``, plus the rows an action
    picked). A valid export of more rows than the limit becomes a job; anything else (the page
    itself, a form error, a small export) goes on to ``export_action`` and the class's own
    ``_do_file_export`` unchanged.
    """

    def export_action(self, request):
        if (
            request.method == "POST"
            and not self.is_skip_export_form_enabled()
            and self.has_export_permission(request)
        ):
            queued = self._queue_background_export(request)
            if queued is not None:
                return queued
        return super().export_action(request)

    def _queue_background_export(self, request):
        """Create the export job and send the staff member to "My exports", or return None
        when the export is small enough for the request (or its form is not valid)."""
        formats = self.get_export_formats()
        form = self.get_export_form_class()(
            formats, self.get_export_resource_classes(request), data=request.POST
        )
        if "export_items" in request.POST:
            # Rows picked with an admin action, as export_action reads them.
            form.fields["export_items"] = MultipleChoiceField(
                widget=MultipleHiddenInput,
                required=False,
                choices=[(pk, pk) for pk in self.get_valid_export_item_pks(request)],
            )
        if not form.is_valid():
            return None
        file_format = formats[int(form.cleaned_data["format"])]()
        is_xlsx = isinstance(file_format, XLSX)
        limit = background_limit(is_xlsx=is_xlsx)
        queryset = self.get_export_queryset(request)
        item_ids = None
        if "export_items" in form.changed_data:
            item_ids = [str(pk) for pk in form.cleaned_data["export_items"]]
            queryset = queryset.filter(pk__in=item_ids)
        if not has_more_rows_than(queryset, limit):
            return None
        export_job_create(
            user=request.user,
            model_label=self.model._meta.label,
            query_string=request.GET.urlencode(),
            resource_index=self.get_resource_index(form),
            selected_fields=self.get_export_resource_fields_from_form(form),
            item_ids=item_ids,
            file_format=ExportJob.Format.XLSX if is_xlsx else ExportJob.Format.CSV,
            file_name=self.get_export_filename(request, queryset, file_format),
        )
        noun = self.model._meta.verbose_name_plural
        self.message_user(
            request,
            f"More than {limit:,} {noun} match, so the file is being written in the "
            "background. It will be listed here when it is ready, and you will get an email.",
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse(MY_EXPORTS))

    def background_export_table(
        self, queryset, resource, selected_fields
    ) -> tuple[Sequence[str], Iterable[Sequence[Any]]]:
        """Return the header and the rows the worker writes, built as the request's export
        builds them: the resource's ``export_rows(queryset, fields)`` (contacts) or one
        ``row_exporter(fields)`` call per object read in chunks (leads). An admin class whose
        resource has neither overrides this."""
        header = resource.get_export_headers(selected_fields=selected_fields)
        if hasattr(resource, "export_rows"):
            return header, resource.export_rows(queryset, selected_fields)
        row = resource.row_exporter(selected_fields)
        return header, (row(obj) for obj in stream_queryset(queryset, chunk_size=CHUNK_SIZE))


class BackgroundImportMixin:
    """Send a confirmed import of more than ``IMPORT_BACKGROUND_THRESHOLD`` rows to the worker.

    Put it before import-export's mixin in the class's bases. The preview (step one) runs in
    the request as before: every problem shows before anything is written. On confirm (step
    two), a file of more rows than the threshold becomes an ``ImportJob`` (exports/
    import_services.py): its rows are kept in the default storage, the worker imports them
    through the same resource, and the staff member is sent to the job's page, which shows
    the progress. A smaller file is imported in the request, unchanged.
    """

    def background_import_form(self, request):
        """The confirm form, as the worker validates it again for the job's staff member."""
        return self.create_confirm_form(request)

    def process_dataset(self, dataset, form, request, **kwargs):
        if (
            isinstance(form, ConfirmImportForm)
            and not kwargs.get("dry_run")
            and len(dataset) > settings.IMPORT_BACKGROUND_THRESHOLD
        ):
            form_data = {
                key: request.POST.get(key, "")
                for key in form.fields
                if key in request.POST and key != "csrfmiddlewaretoken"
            }
            return import_job_create(
                user=request.user,
                model_label=self.model._meta.label,
                form_data=form_data,
                file_name=form.cleaned_data.get("original_file_name") or "",
                dataset=dataset,
            )
        return super().process_dataset(dataset, form, request, **kwargs)

    def process_result(self, result, request):
        if not isinstance(result, ImportJob):
            return super().process_result(result, request)
        noun = self.model._meta.verbose_name_plural
        self.message_user(
            request,
            f"The file has {result.rows_total:,} rows (more than "
            f"{settings.IMPORT_BACKGROUND_THRESHOLD:,}), so the {noun} are being imported in "
            "the background. This page shows how far it got; you will get an email when it "
            "is done.",
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse(MY_IMPORT, args=[result.pk]))
