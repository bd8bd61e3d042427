"""Uploaded import files and what became of them."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", "Uploaded"  # the import screen's file, waiting for its mapping
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


class ImportJob(models.Model):
    """One uploaded CSV/XLSX file and what became of it. The file's bytes are kept here (not on
    disk) so a worker on another machine can run it; a file with any bad row applies nothing,
    and `errors` lists every bad row as {row, column, message}."""

    kind = models.CharField(max_length=64)
    status = models.CharField(
        max_length=16, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    dry_run = models.BooleanField(default=False)
    file_name = models.CharField(max_length=255, blank=True)
    file_format = models.CharField(max_length=8)
    content = models.BinaryField(editable=False)
    mapping = models.JSONField(default=dict, blank=True)  # file column → ours
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    rows_valid = models.PositiveIntegerField(default=0)
    rows_create = models.PositiveIntegerField(default=0)
    rows_update = models.PositiveIntegerField(default=0)
    cancel_requested = models.BooleanField(default=False)
    applied_as = models.OneToOneField(  # a preview (dry run): the import that applied it
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="preview"
    )
    errors = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in ImportStatus]),
                name="importjob_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(rows_valid__lte=F("rows_total")), name="importjob_valid_lte_total"
            ),
        ]

    def __str__(self) -> str:
        return f"import #{self.pk} ({self.kind}, {self.status})"


class ImportMapping(models.Model):
    """The column mapping a user last used for a kind: suggested again for their next file."""

    kind = models.CharField(max_length=64)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    mapping = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "user"], name="importmapping_kind_user_unique")
        ]

    def __str__(self) -> str:
        return f"{self.kind} mapping of {self.user}"
