"""django-q2 entry point for imports too large to run inside a request."""

from inventory.imports.jobs import import_job_run


def import_job_task(job_id: int) -> str:
    return import_job_run(job_id=job_id).status
