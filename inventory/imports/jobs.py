"""Import jobs: record an upload, run it now (small files) or in django-q2 (large ones), cancel
it, apply a previewed one.

The limits (inventory.imports.limits) are checked before anything is parsed; a file over them
is refused with a ValidationError on `file` and leaves no job behind, as does a mapping naming
an unknown column. A file is run inside the request only when it is known to be small: a CSV
counted by streaming, an XLSX by its declared dimension.

A job goes queued → running → succeeded | failed | cancelled. A file with any bad row applies
nothing and ends `failed` with every bad row in `errors`; a dry run (the preview) applies
nothing either way, and says how many rows would be created and updated.
"""

import datetime
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ims.kits.inputs import acting_user
from inventory.errors import InvalidState
from inventory.imports.engine import import_run
from inventory.imports.files import detect_format, file_sample, preflight
from inventory.imports.limits import check_size, inline_max_rows
from inventory.imports.mapping import mapping_clean
from inventory.imports.progress import ProgressWriter
from inventory.imports.registry import import_kind
from inventory.models import ImportJob, ImportMapping, ImportStatus

logger = logging.getLogger(__name__)

FINISHED = (ImportStatus.SUCCEEDED, ImportStatus.FAILED, ImportStatus.CANCELLED)
ALLOWED_TRANSITIONS = {
    ImportStatus.UPLOADED: {ImportStatus.QUEUED, ImportStatus.CANCELLED},
    ImportStatus.QUEUED: {ImportStatus.RUNNING, ImportStatus.FAILED, ImportStatus.CANCELLED},
    ImportStatus.RUNNING: {ImportStatus.SUCCEEDED, ImportStatus.FAILED, ImportStatus.CANCELLED},
}
TASK_FUNC = "inventory.imports.tasks.import_job_task"


def task_timeout() -> int:
    return getattr(settings, "IMPORT_TASK_TIMEOUT", 3600)


def import_job_submit(
    *,
    kind: str,
    file_name: str,
    content: bytes,
    dry_run: bool = False,
    mapping: dict | None = None,
    user=None,
) -> ImportJob:
    """Record an upload and run it: inline when it has at most IMPORT_INLINE_MAX_ROWS rows,
    else in a django-q2 task enqueued once the job is committed. Not atomic on purpose: the job
    row must outlive a failed run so its errors can be read. A stated mapping is remembered as
    the user's mapping for the kind."""
    table = import_kind(kind).table
    mapping = mapping_clean(table, mapping)
    check_size(len(content))
    file_format = detect_format(file_name=file_name, content=content)
    estimate = preflight(content=content, file_format=file_format)
    if estimate == 0:
        raise ValidationError({"file": "The file has a header but no rows."})
    job = ImportJob.objects.create(
        kind=kind,
        dry_run=dry_run,
        file_name=(file_name or "")[:255],
        file_format=file_format,
        content=content,
        mapping=mapping,
        rows_total=estimate or 0,
        created_by=acting_user(user),
    )
    if mapping and job.created_by is not None:
        import_mapping_remember(kind=kind, user=job.created_by, mapping=mapping)
    if estimate is not None and estimate <= inline_max_rows():
        return import_job_run(job_id=job.pk)
    transaction.on_commit(lambda: _enqueue(job.pk))
    return job


def import_upload(*, kind: str, file_name: str, content: bytes, user=None) -> ImportJob:
    """The import screen's first step: keep the file (checked against the limits, its header
    read) as a job `uploaded`, waiting for its column mapping (`import_job_map`)."""
    import_kind(kind)
    check_size(len(content))
    file_format = detect_format(file_name=file_name, content=content)
    estimate = preflight(content=content, file_format=file_format)
    if estimate == 0:
        raise ValidationError({"file": "The file has a header but no rows."})
    file_sample(content=content, file_format=file_format, rows=0)  # the header is readable
    return ImportJob.objects.create(
        kind=kind,
        status=ImportStatus.UPLOADED,
        dry_run=True,
        file_name=(file_name or "")[:255],
        file_format=file_format,
        content=content,
        rows_total=estimate or 0,
        created_by=acting_user(user),
    )


def import_job_map(*, job: ImportJob, mapping: dict, user=None) -> ImportJob:
    """Give an uploaded file its mapping (remembered for the user and kind) and preview it: a
    dry run, inline when small, else in django-q2."""
    mapping = mapping_clean(import_kind(job.kind).table, mapping)
    if not ImportJob.objects.filter(pk=job.pk, status=ImportStatus.UPLOADED).update(
        status=ImportStatus.QUEUED, mapping=mapping
    ):
        raise InvalidState(f"Import #{job.pk} already has its mapping.")
    if user is not None:
        import_mapping_remember(kind=job.kind, user=user, mapping=mapping)
    if job.rows_total and job.rows_total <= inline_max_rows():
        return import_job_run(job_id=job.pk)
    transaction.on_commit(lambda: _enqueue(job.pk))
    return ImportJob.objects.get(pk=job.pk)


def import_mapping_remember(*, kind: str, user, mapping: dict) -> None:
    ImportMapping.objects.update_or_create(kind=kind, user=user, defaults={"mapping": mapping})


def import_mapping_of(*, kind: str, user) -> dict:
    if user is None or not user.is_authenticated:
        return {}
    found = ImportMapping.objects.filter(kind=kind, user=user).values_list("mapping", flat=True)
    return next(iter(found), {})


def _enqueue(job_id: int) -> None:
    from django_q.tasks import async_task

    async_task(
        TASK_FUNC,
        job_id,
        task_name=f"import-{job_id}",
        group="imports",
        timeout=task_timeout(),
        # read at call time so tests (and settings overrides) can run the task synchronously
        sync=settings.Q_CLUSTER.get("sync", False),
    )


def _transition(job_id: int, to: str, **fields) -> bool:
    """Move the job to `to` if its status allows it (one conditional UPDATE, so two workers
    handed the same job cannot both run it). A run abandoned past the task timeout (its worker
    died; its transaction rolled back) may be taken over."""
    allowed_from = [s for s, targets in ALLOWED_TRANSITIONS.items() if to in targets]
    condition = Q(status__in=allowed_from)
    if to == ImportStatus.RUNNING:
        stale = timezone.now() - datetime.timedelta(seconds=task_timeout())
        condition = Q(status=ImportStatus.QUEUED, cancel_requested=False) | Q(
            status=ImportStatus.RUNNING, started_at__lt=stale, cancel_requested=False
        )
    return bool(ImportJob.objects.filter(condition, pk=job_id).update(status=to, **fields))


def import_job_run(*, job_id: int) -> ImportJob:
    """Run a queued job: every row through its kind in one transaction; the job ends succeeded
    (every row valid), failed (nothing applied, every bad row listed) or cancelled."""
    if not _transition(job_id, ImportStatus.RUNNING, started_at=timezone.now(), rows_done=0):
        return ImportJob.objects.get(pk=job_id)  # already taken, finished or cancelled
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    progress = ProgressWriter(job.pk)
    try:
        outcome = import_run(
            kind=job.kind,
            content=bytes(job.content),
            file_format=job.file_format,
            mapping=job.mapping,
            dry_run=job.dry_run,
            actor=job.created_by,
            reference=f"import #{job.pk}",
            progress=progress,
        )
    except Exception as exc:  # whatever happened, nothing was applied: say so on the job
        logger.exception("Import %s stopped", job.pk)
        message = exc.messages[0] if isinstance(exc, ValidationError) else str(exc)
        _finish(job, ImportStatus.FAILED, errors=[_stopped(message)])
        return ImportJob.objects.get(pk=job.pk)
    finally:
        progress.close()
    if outcome.cancelled:
        status = ImportStatus.CANCELLED
    else:
        status = ImportStatus.FAILED if outcome.errors else ImportStatus.SUCCEEDED
    _finish(
        job,
        status,
        rows_total=outcome.rows_total,
        rows_valid=outcome.rows_valid,
        rows_create=outcome.rows_create,
        rows_update=outcome.rows_update,
        rows_done=outcome.rows_total,
        errors=outcome.errors,
    )
    return ImportJob.objects.get(pk=job.pk)


def _stopped(message: str) -> dict:
    return {"row": None, "column": None, "message": f"The import stopped: {message}"}


def _finish(job: ImportJob, status: str, **fields) -> None:
    fields.setdefault("rows_valid", 0)
    fields["rows_valid"] = min(fields["rows_valid"], fields.get("rows_total", job.rows_total))
    _transition(job.pk, status, finished_at=timezone.now(), **fields)


def import_job_cancel(*, job: ImportJob) -> ImportJob:
    """Stop a job: a queued one is cancelled at once; a running one stops at its next progress
    report and rolls back (nothing applied). A finished job cannot be cancelled."""
    queued = ImportJob.objects.filter(
        pk=job.pk, status__in=[ImportStatus.UPLOADED, ImportStatus.QUEUED]
    )
    if queued.update(
        status=ImportStatus.CANCELLED, cancel_requested=True, finished_at=timezone.now()
    ):
        pass  # the worker that picks it up finds it cancelled and leaves it
    elif not ImportJob.objects.filter(pk=job.pk, status=ImportStatus.RUNNING).update(
        cancel_requested=True
    ):
        job.refresh_from_db(fields=["status"])
        raise InvalidState(f"Import #{job.pk} is {job.status}: only a running import stops.")
    return ImportJob.objects.get(pk=job.pk)


def import_job_apply(*, job: ImportJob, user=None) -> ImportJob:
    """Apply a previewed file: a new job with the same file and mapping, not a dry run. A
    preview applies once (the preview's row is locked while it is checked, so a double click
    cannot import opening stock twice); to apply the file again, preview it again."""
    if not job.dry_run or job.status != ImportStatus.SUCCEEDED:
        raise InvalidState(
            f"Import #{job.pk} is not a successful preview: upload the file again to apply it."
        )
    with transaction.atomic():
        preview = ImportJob.objects.select_for_update().defer("content").get(pk=job.pk)
        if preview.applied_as_id is not None:
            raise InvalidState(
                f"Import #{job.pk} was applied already, as import #{preview.applied_as_id}."
            )
        applied = import_job_submit(
            kind=job.kind,
            file_name=job.file_name,
            content=bytes(job.content),
            mapping=job.mapping,
            user=user or job.created_by,
        )
        ImportJob.objects.filter(pk=job.pk).update(applied_as=applied)
        return applied


def import_job_applied_as(job: ImportJob) -> ImportJob | None:
    """The job that applied this preview, if any."""
    if job.applied_as_id is None:
        return None
    return ImportJob.objects.defer("content").filter(pk=job.applied_as_id).first()


def import_job_remap(*, job: ImportJob, user=None) -> ImportJob:
    """The file of a finished job again, as a new job `uploaded`, to be given another mapping
    (the import screen's "Change the mapping": no second upload). The old job's mapping comes
    along as the new one's starting point; the old job is left as it was."""
    if job.status not in FINISHED:
        raise InvalidState(f"Import #{job.pk} is {job.status}: wait until it has finished.")
    content = bytes(job.content)
    estimate = preflight(content=content, file_format=job.file_format)
    return ImportJob.objects.create(
        kind=job.kind,
        status=ImportStatus.UPLOADED,
        dry_run=True,
        file_name=job.file_name,
        file_format=job.file_format,
        content=content,
        mapping=job.mapping,
        rows_total=estimate or 0,
        created_by=acting_user(user),
    )
