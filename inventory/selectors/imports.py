"""Import jobs a person may see: their own, and every job of a kind they may import (the import
screens and GET /api/v1/imports/ alike)."""

from django.db.models import Q, QuerySet

from inventory.imports import import_kinds
from inventory.models import ImportJob


def import_kinds_allowed(user) -> list[str]:
    """The kinds `user` may import, by name."""
    return [name for name, kind in import_kinds().items() if kind.allows(user)]


def import_jobs_visible(user) -> QuerySet[ImportJob]:
    """Newest first, without the file's bytes, with who uploaded each."""
    jobs = ImportJob.objects.defer("content").select_related("created_by")
    if user.is_superuser:
        return jobs
    return jobs.filter(Q(created_by=user) | Q(kind__in=import_kinds_allowed(user)))
