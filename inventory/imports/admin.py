"""Admin side of imports: a mixin for any app's ImportExportModelAdmin (or ImportMixin)."""

from django.contrib import messages
from django.contrib.auth import get_permission_codename
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from import_export.formats.base_formats import CSV, XLSX

from inventory.imports.files import detect_format, preflight, read_dataset
from inventory.imports.jobs import import_job_submit, inline_max_rows


class LimitedCSV(CSV):
    """CSV read as the API reads it: limits first (inventory.imports.limits), then the file."""

    def create_dataset(self, in_stream, **kwargs):
        content = in_stream.encode("utf-8") if isinstance(in_stream, str) else in_stream
        return read_dataset(content=content, file_format="csv")


class LimitedXLSX(XLSX):
    """XLSX read as the API reads it: zip directory and declared dimension checked first."""

    def create_dataset(self, in_stream, **kwargs):
        return read_dataset(content=in_stream, file_format="xlsx")


class ImportAdminMixin:
    """CSV and XLSX only; importing needs the model's add permission (the admin's own add
    button may be off, as for stock); rows are attributed to the signed-in user.

    A file larger than IMPORT_INLINE_MAX_ROWS skips the in-request preview (which would time
    out) and becomes an ImportJob run by django-q2, all-or-nothing like every import; the
    admin then shows the job, whose page reports its progress and every bad row."""

    formats = [CSV, XLSX]
    import_formats = [LimitedCSV, LimitedXLSX]
    export_formats = [CSV, XLSX]  # the library's own: it keeps native types for its XLSX only
    import_kind: str = ""  # the registry kind of this admin's resource

    def has_import_permission(self, request):
        opts = self.model._meta
        return request.user.has_perm(f"{opts.app_label}.{get_permission_codename('add', opts)}")

    def get_import_resource_kwargs(self, request, **kwargs):
        return {"actor": request.user, "reference": "admin import"}

    def import_action(self, request, **kwargs):
        upload = request.FILES.get("import_file") if request.method == "POST" else None
        if upload is not None and self.import_kind and self.has_import_permission(request):
            content = upload.read()
            upload.seek(0)
            try:
                file_format = detect_format(file_name=upload.name, content=content)
                rows = preflight(content=content, file_format=file_format)
            except ValidationError:
                rows = 0  # over a limit or unreadable: the preview below says so by the field
            if rows is None or rows > inline_max_rows():  # large, or an XLSX that does not say
                job = import_job_submit(
                    kind=self.import_kind, file_name=upload.name, content=content, user=request.user
                )
                messages.info(
                    request,
                    f"{rows or 'Many'} rows: import #{job.pk} runs in the background and "
                    "applies nothing unless every row is valid. This page shows its progress "
                    "and result.",
                )
                return redirect("admin:inventory_importjob_change", job.pk)
        return super().import_action(request, **kwargs)

    def add_data_read_fail_error_to_form(self, form, e):
        if isinstance(e, ValidationError):  # a limit or an unreadable file: say which, in words
            for message in e.messages:
                form.add_error("import_file", message)
            return
        super().add_data_read_fail_error_to_form(form, e)
