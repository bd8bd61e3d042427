"""Admin side of imports: a mixin for any app's ImportExportModelAdmin (or ImportMixin)."""

from django.contrib import messages
from django.contrib.auth import get_permission_codename
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from import_export.formats.base_formats import CSV, XLSX

from inventory.imports.files import data_row_count, detect_format, read_dataset
from inventory.imports.jobs import import_job_submit, inline_max_rows


class ImportAdminMixin:
    """CSV and XLSX only; importing needs the model's add permission (the admin's own add
    button may be off, as for stock); rows are attributed to the signed-in user.

    A file larger than IMPORT_INLINE_MAX_ROWS skips the in-request preview (which would time
    out) and becomes an ImportJob run by django-q2, all-or-nothing like every import; the
    admin then shows the job, whose page reports its progress and every bad row."""

    formats = [CSV, XLSX]
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
                rows = data_row_count(read_dataset(content=content, file_format=file_format))
            except ValidationError:
                rows = 0  # unreadable: the preview below says so next to the field
            if rows > inline_max_rows():
                job = import_job_submit(
                    kind=self.import_kind, file_name=upload.name, content=content, user=request.user
                )
                messages.info(
                    request,
                    f"{rows} rows: import #{job.pk} runs in the background and applies nothing "
                    "unless every row is valid. This page shows its progress and result.",
                )
                return redirect("admin:inventory_importjob_change", job.pk)
        return super().import_action(request, **kwargs)
