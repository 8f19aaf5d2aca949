"""Contacts in and out of spreadsheets: the import (preview, kept file, confirmation) and the
streamed export."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.response import TemplateResponse

from core.exports import StreamedExportMixin
from crm.import_files import REFUSED as REFUSED_IMPORT
from crm.import_files import (
    ImportFileGone,
    checked_storage,
    sign_import_key,
    unsign_import_file,
)
from crm.models import (
    Organization,
)
from crm.resources import ContactResource


class ContactImportExportMixin(StreamedExportMixin):
    """ContactAdmin's import and export steps over django-import-export's."""

    def import_action(self, request, **kwargs):
        """Step one (preview), keeping the file for another try when the preview fails.

        A failed preview (bad rows, another organization to choose) offers the same stored
        file again as a signed token bound to its uploader: the person fixes the form and
        submits without choosing the file again, or chooses a corrected one.
        """
        kept = None
        if request.method == "POST" and not request.FILES.get("import_file"):
            kept = self._kept_import_file(request)
        response = super().import_action(request, **kwargs)
        context = getattr(response, "context_data", None)
        if request.method != "POST" or context is None or context.get("confirm_form"):
            if kept is not None:
                kept.remove()  # read again and stored under a new key by the preview
            return response
        # The upload (the kept file put back, or a new one) names where the preview stored it,
        # even when a form error took it out of cleaned_data.
        upload = request.FILES.get("import_file")
        key = getattr(upload, "tmp_storage_name", None)
        if key:
            if kept is not None:
                kept.remove()
            context["kept_file_token"] = sign_import_key(key, request.user, file_name=upload.name)
            context["kept_file_name"] = upload.name
        elif kept is not None:
            context["kept_file_token"] = request.POST["kept_file"]
            context["kept_file_name"] = kept.uploaded_name
        return response

    def _kept_import_file(self, request):
        """The stored file the form's ``kept_file`` token names, put back as the upload."""
        token = request.POST.get("kept_file")
        if not token:
            return None
        try:
            key, name = unsign_import_file(token, request.user)
            storage = self.get_tmp_storage_class()(name=key, read_mode="rb")
            data = storage.read()
        except (ValidationError, ImportFileGone):
            self.message_user(request, REFUSED_IMPORT, messages.ERROR)
            return None
        if isinstance(data, str):
            data = data.encode(self.from_encoding or "utf-8")
        request._files = request.FILES.copy()
        request._files["import_file"] = SimpleUploadedFile(name, data)
        storage.uploaded_name = name
        return storage

    def get_import_form_kwargs(self, request):
        kwargs = super().get_import_form_kwargs(request)
        kwargs["organizations"] = Organization.objects.for_user(request.user)
        return kwargs

    def get_confirm_form_kwargs(self, request, import_form=None):
        kwargs = super().get_confirm_form_kwargs(request, import_form)
        kwargs["organizations"] = Organization.objects.for_user(request.user)
        kwargs["user"] = request.user
        return kwargs

    def get_confirm_form_initial(self, request, import_form):
        initial = super().get_confirm_form_initial(request, import_form)
        if import_form is not None:
            initial["organization"] = import_form.cleaned_data["organization"].pk
            # The stored file travels as a token bound to its uploader (crm/import_files.py).
            initial["import_file_name"] = sign_import_key(initial["import_file_name"], request.user)
        return initial

    def get_tmp_storage_class(self):
        # Keys of import-export's own shape only; a missing file says so instead of a 500.
        return checked_storage(super().get_tmp_storage_class())

    def process_import(self, request, **kwargs):
        # A tampered, foreign or unknown token, or a file already imported: 400, nothing
        # read, written or deleted.
        try:
            response = super().process_import(request, **kwargs)
        except ImportFileGone:
            response = self._import_refused(request)
        else:
            confirm_errors = getattr(response, "context_data", None) or {}
            if confirm_errors.get("errors"):
                response.status_code = 400
        return response

    def _import_refused(self, request):
        form = self.create_confirm_form(request)
        form.is_valid()
        form.add_error(None, REFUSED_IMPORT)
        context = {
            **self.admin_site.each_context(request),
            "title": "Import",
            "confirm_form": form,
            "opts": self.model._meta,
            "errors": form.errors,
        }
        return TemplateResponse(request, [self.import_template_name], context, status=400)

    def get_import_resource_kwargs(self, request, **kwargs):
        form = kwargs.get("form")
        cleaned = getattr(form, "cleaned_data", None) or {}
        return {
            **super().get_import_resource_kwargs(request, **kwargs),
            "organization": cleaned.get("organization"),
        }

    def get_import_data_kwargs(self, **kwargs):
        # One bad row and nothing is written, not even the good rows.
        return {**super().get_import_data_kwargs(**kwargs), "rollback_on_validation_errors": True}

    # Export: streamed (core.exports.StreamedExportMixin), a few queries per 2,000 rows.
    def export_resource(self):
        return ContactResource()

    def export_rows(self, resource, queryset, selected):
        return resource.export_rows(queryset, selected)
