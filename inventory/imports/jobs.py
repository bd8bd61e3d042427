"""Import jobs: record an upload, run it now (small files) or in django-q2 (large ones).

The limits (inventory.imports.limits) are checked before anything is parsed; a file over them
is refused with a ValidationError on `file` and leaves no job behind. A file is parsed inside
the request only when it is known to be small: a CSV counted by streaming, an XLSX by its
declared dimension; an XLSX that declares none is parsed only in the background.

A job goes queued → running → succeeded | failed. A file with any bad row applies nothing and
ends `failed` with every bad row in `errors`; a dry run applies nothing either way.
"""

import datetime
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ims.kits.inputs import acting_user
from inventory.imports.files import data_row_count, detect_format, preflight, read_dataset
from inventory.imports.limits import check_size, inline_max_rows
from inventory.imports.progress import ProgressWriter
from inventory.imports.registry import import_kind
from inventory.models import ImportJob, ImportStatus

logger = logging.getLogger(__name__)

ALLOWED_TRANSITIONS = {
    ImportStatus.QUEUED: {ImportStatus.RUNNING, ImportStatus.FAILED},
    ImportStatus.RUNNING: {ImportStatus.SUCCEEDED, ImportStatus.FAILED},
}
TASK_FUNC = "inventory.imports.tasks.import_job_task"


def task_timeout() -> int:
    return getattr(settings, "IMPORT_TASK_TIMEOUT", 3600)


def import_job_submit(
    *, kind: str, file_name: str, content: bytes, dry_run: bool = False, user=None
) -> ImportJob:
    """Record an upload and run it: inline when it has at most IMPORT_INLINE_MAX_ROWS rows,
    else in a django-q2 task enqueued once the job is committed. Not atomic on purpose: the job
    row must outlive a failed run so its errors can be read."""
    import_kind(kind)
    check_size(len(content))
    file_format = detect_format(file_name=file_name, content=content)
    estimate = preflight(content=content, file_format=file_format)
    if estimate is None or estimate > inline_max_rows():  # large: parsed off the request only
        rows = estimate or 0
    else:
        rows = data_row_count(read_dataset(content=content, file_format=file_format))
        if rows == 0:
            raise ValidationError({"file": "The file has a header but no rows."})
    job = ImportJob.objects.create(
        kind=kind,
        dry_run=dry_run,
        file_name=(file_name or "")[:255],
        file_format=file_format,
        content=content,
        rows_total=rows,
        created_by=acting_user(user),
    )
    if estimate is not None and rows <= inline_max_rows():
        return import_job_run(job_id=job.pk)
    transaction.on_commit(lambda: _enqueue(job.pk))
    return job


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
        condition = Q(status=ImportStatus.QUEUED) | Q(
            status=ImportStatus.RUNNING, started_at__lt=stale
        )
    return bool(ImportJob.objects.filter(condition, pk=job_id).update(status=to, **fields))


def import_job_run(*, job_id: int) -> ImportJob:
    """Run a queued job. Every row goes through its resource in one transaction; the job ends
    succeeded (every row valid) or failed (nothing applied, every bad row listed)."""
    if not _transition(job_id, ImportStatus.RUNNING, started_at=timezone.now(), rows_done=0):
        return ImportJob.objects.get(pk=job_id)  # already taken or finished
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    progress = ProgressWriter(job.pk)
    try:
        resource = import_kind(job.kind).resource_class(
            actor=job.created_by,
            reference=f"import #{job.pk}",
            on_progress=progress,
            skip_diff=True,
        )
        dataset = read_dataset(content=bytes(job.content), file_format=job.file_format)
        # an estimate (declared XLSX dimension) until the file is read: now the real count
        job.rows_total = data_row_count(dataset)
        ImportJob.objects.filter(pk=job.pk).update(rows_total=job.rows_total)
        result = resource.import_data(dataset, dry_run=job.dry_run)
        errors = resource.errors_of(result)
        valid = 0 if result.base_errors else job.rows_total - resource.bad_row_count(result)
        status = ImportStatus.FAILED if errors else ImportStatus.SUCCEEDED
    except Exception as exc:  # whatever happened, nothing was applied: say so on the job
        logger.exception("Import %s stopped", job.pk)
        message = exc.messages[0] if isinstance(exc, ValidationError) else str(exc)
        errors = [{"row": None, "column": None, "message": f"The import stopped: {message}"}]
        valid, status = 0, ImportStatus.FAILED
    finally:
        progress.close()
    _transition(
        job.pk,
        status,
        rows_valid=max(0, min(valid, job.rows_total)),
        rows_done=job.rows_total,
        errors=errors,
        finished_at=timezone.now(),
    )
    job.refresh_from_db()
    return job
