"""The steps of an import, shared by the import screens (inventory.views.imports) and the
admin (inventory.imports.admin): upload → column mapping → the preview (a dry run, every bad
row listed) → apply → the result, with progress and cancel while a job runs.

A step is told where it is shown by an `ImportFlow`: the page it extends, the URLs of the other
steps, who may import which kind, and which jobs are visible. Thin: each step parses the form,
calls one service of inventory.imports.jobs and renders; a service's refusal is said next to
the field it names.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode

from inventory.errors import InvalidState
from inventory.imports.files import file_sample
from inventory.imports.jobs import (
    FINISHED,
    import_job_applied_as,
    import_job_apply,
    import_job_cancel,
    import_job_map,
    import_job_remap,
    import_mapping_of,
    import_upload,
)
from inventory.imports.limits import max_file_bytes, too_large_message
from inventory.imports.mapping import columns_of_file, mapping_suggest, missing_columns
from inventory.imports.registry import ImportKind, import_kinds
from inventory.models import ImportJob, ImportStatus

SAMPLE_ROWS = 3
SAMPLE_CHARS = 60  # a sample cell longer than this (a product's HTML body) is cut
RUNNING = (ImportStatus.QUEUED, ImportStatus.RUNNING)
CANCELLABLE = (ImportStatus.UPLOADED, *RUNNING)
DEFAULT_KIND = "skus"  # the file most often imported: offered first when no kind is asked for


class ImportFlow:
    """Where the steps are shown. `names` maps each step to its URL name: new, mapping, job,
    progress, apply, cancel, remap (all but `new` take the job's id) and `list`."""

    base_template = "base.html"
    in_admin = False
    names: dict[str, str] = {}

    def kinds(self, request) -> list[ImportKind]:
        """The kinds this person may import here."""
        raise NotImplementedError

    def jobs(self, request):
        """The jobs this person may see here (a queryset)."""
        raise NotImplementedError

    def context(self, request, **values) -> dict:
        return {"flow": self, **values}

    def url(self, step: str, job: ImportJob | None = None, **query) -> str:
        url = reverse(self.names[step], args=[job.pk] if job is not None else [])
        if query:
            url += "?" + urlencode(query)
        return url

    def may_import(self, request, kind: str) -> bool:
        return any(allowed.name == kind for allowed in self.kinds(request))

    def job_urls(self, job: ImportJob) -> dict[str, str]:
        urls = {step: self.url(step, job) for step in self.names if step not in ("new", "list")}
        urls["new"] = self.url("new", kind=job.kind)
        urls["list"] = self.url("list")
        return urls


# --- forms --------------------------------------------------------------------------------


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(label="What the file holds")
    file = forms.FileField(
        label="CSV or XLSX file",
        error_messages={
            "required": "Choose a CSV or XLSX file to upload.",
            "empty": "The file is empty: the first row must name the columns.",
        },
    )

    def __init__(self, *args, kinds: list[ImportKind], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(kind.name, kind.label) for kind in kinds]
        self.only_kind = kinds[0].name if len(kinds) == 1 else None
        self.fields["kind"].required = self.only_kind is None  # one kind: nothing to choose

    def clean_kind(self):
        return self.cleaned_data["kind"] or self.only_kind

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > max_file_bytes():  # said before the bytes are read
            raise forms.ValidationError(too_large_message())
        return upload


class ImportMappingForm(forms.Form):
    """One select per file column (`column-<n>`): which of our columns it feeds, or none."""

    def __init__(self, *args, table, headers: list[str], suggestion: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        self.table = table
        self.headers = headers
        choices = [("", "— ignore —")] + [
            (column.name, f"{column.name} (required)" if column.required else column.name)
            for column in table.columns
        ]
        for index, header in enumerate(headers):
            self.fields[f"column-{index}"] = forms.ChoiceField(
                label=header or f"Column {index + 1}",
                choices=choices,
                required=False,
                initial=suggestion.get(header, ""),
            )

    def clean(self):
        data = super().clean()
        mapping = {header: data.get(f"column-{i}", "") for i, header in enumerate(self.headers)}
        chosen: dict[str, list[int]] = {}
        for index, header in enumerate(self.headers):
            if mapping[header]:
                chosen.setdefault(mapping[header], []).append(index)
        for target, indexes in chosen.items():
            if len(indexes) > 1:
                names = ", ".join(f"'{self.headers[i]}'" for i in indexes)
                for index in indexes:
                    self.add_error(f"column-{index}", f"{names} all feed {target}: pick one.")
        read = columns_of_file(self.table, self.headers, mapping)
        for name in missing_columns(self.table, read):
            self.add_error(None, f"Choose the file column that holds {name}: it is required.")
        data["mapping"] = mapping
        return data

    def rows(self, samples: list[list]) -> list[dict]:
        """The template's rows: each file column, its samples and its select."""
        return [
            {
                "field": self[f"column-{index}"],
                "header": header,
                "samples": _samples(samples, index),
            }
            for index, header in enumerate(self.headers)
        ]


def _samples(rows: list[list], index: int) -> list[str]:
    values = []
    for row in rows:
        cell = row[index] if index < len(row) else None
        text = "" if cell is None else str(cell).strip()
        if text:
            values.append(text if len(text) <= SAMPLE_CHARS else text[: SAMPLE_CHARS - 1] + "…")
    return values


def _add_errors(form: forms.Form, error: ValidationError) -> None:
    for field, messages_ in getattr(error, "message_dict", {"": error.messages}).items():
        form.add_error(field if field in form.fields else None, messages_)


# --- steps --------------------------------------------------------------------------------


def forbidden(request, message: str):
    return render(request, "403.html", {"message": message}, status=403)


def upload_step(request, flow: ImportFlow):
    kinds = flow.kinds(request)
    if not kinds:
        return forbidden(request, "Your roles may import no kind of file.")
    asked = request.POST.get("kind") or request.GET.get("kind")
    if asked in import_kinds() and not flow.may_import(request, asked):
        return forbidden(request, f"You may not import {import_kinds()[asked].label}.")
    form = ImportUploadForm(
        request.POST or None,
        request.FILES or None,
        kinds=kinds,
        initial={"kind": asked or _default_kind(kinds)},
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = import_upload(
                kind=form.cleaned_data["kind"],
                file_name=upload.name,
                content=upload.read(),
                user=request.user,
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            return redirect(flow.url("mapping", job))
    context = flow.context(request, form=form, kinds=kinds, step="new")
    status = 400 if request.method == "POST" else 200
    return render(request, "inventory/import_new.html", context, status=status)


def _default_kind(kinds: list[ImportKind]) -> str:
    return next((kind.name for kind in kinds if kind.name == DEFAULT_KIND), kinds[0].name)


def mapping_step(request, flow: ImportFlow, job: ImportJob):
    if job.status != ImportStatus.UPLOADED:
        return redirect(flow.url("job", job))  # mapped already: the preview is on its page
    table = import_kinds()[job.kind].table
    try:
        headers, samples = file_sample(
            content=bytes(job.content), file_format=job.file_format, rows=SAMPLE_ROWS
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(flow.url("new", kind=job.kind))
    remembered = job.mapping or import_mapping_of(kind=job.kind, user=request.user)
    suggestion = mapping_suggest(table, headers, remembered=remembered)
    form = ImportMappingForm(
        request.POST or None, table=table, headers=headers, suggestion=suggestion
    )
    if request.method == "POST" and form.is_valid():
        try:
            import_job_map(job=job, mapping=form.cleaned_data["mapping"], user=request.user)
        except ValidationError as error:
            _add_errors(form, error)
        except InvalidState as error:
            messages.error(request, error.detail)
            return redirect(flow.url("job", job))
        else:
            return redirect(flow.url("job", job))
    context = flow.context(
        request,
        job=job,
        kind=import_kinds()[job.kind],
        form=form,
        rows=form.rows(samples),
        required=[column.name for column in table.columns if column.required],
        urls=flow.job_urls(job),
        step="mapping",
    )
    status = 400 if request.method == "POST" else 200
    return render(request, "inventory/import_mapping.html", context, status=status)


def job_context(request, flow: ImportFlow, job: ImportJob) -> dict:
    kind = import_kinds().get(job.kind)
    preview_done = job.dry_run and job.status == ImportStatus.SUCCEEDED
    applied_as = import_job_applied_as(job) if preview_done else None
    return flow.context(
        request,
        job=job,
        kind=kind,
        label=kind.label if kind else job.kind,
        may_import=flow.may_import(request, job.kind),
        polling=job.status in RUNNING,
        cancellable=job.status in CANCELLABLE,
        finished=job.status in FINISHED,
        applied_as=applied_as,
        applied_as_url=flow.url("job", applied_as) if applied_as else "",
        bad_rows=len({error.get("row") for error in job.errors if (error.get("row") or 0) > 1}),
        percent=_percent(job),
        urls=flow.job_urls(job),
        step="job",
    )


def _percent(job: ImportJob) -> int:
    if job.status in FINISHED:
        return 100
    if not job.rows_total:
        return 0
    return min(100, round(100 * job.rows_done / job.rows_total))


def job_step(request, flow: ImportFlow, job: ImportJob):
    return render(request, "inventory/import_detail.html", job_context(request, flow, job))


def progress_step(request, flow: ImportFlow, job: ImportJob):
    """The job's changing part alone, for the page's htmx polling."""
    return render(request, "inventory/_import_job.html", job_context(request, flow, job))


def apply_step(request, flow: ImportFlow, job: ImportJob):
    try:
        applied = import_job_apply(job=job, user=request.user)
    except (InvalidState, ValidationError) as error:
        messages.error(request, getattr(error, "detail", None) or " ".join(error.messages))
        return redirect(flow.url("job", job))
    return redirect(flow.url("job", applied))


def cancel_step(request, flow: ImportFlow, job: ImportJob):
    try:
        import_job_cancel(job=job)
    except InvalidState as error:
        messages.error(request, error.detail)
    return redirect(flow.url("job", job))


def remap_step(request, flow: ImportFlow, job: ImportJob):
    try:
        again = import_job_remap(job=job, user=request.user)
    except (InvalidState, ValidationError) as error:
        messages.error(request, getattr(error, "detail", None) or " ".join(error.messages))
        return redirect(flow.url("job", job))
    return redirect(flow.url("mapping", again))
