"""The audit log: who changed what outside the stock ledger (the ledger is its own record).

One row per change, written by the service in the same transaction as the change, so a rolled
back change leaves no entry and a committed one always has its entry. Secrets never reach it:
the recorder masks them (accounts.audit)."""

from django.conf import settings
from django.db import models


class AuditEntry(models.Model):
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who made the change; empty for the system (tasks, imports without a user).",
    )
    actor_name = models.CharField(
        max_length=150, blank=True, help_text="The actor's name then (kept if the user goes)."
    )
    action = models.CharField(max_length=16)  # create, update, delete, revoke
    object_type = models.CharField(max_length=40)  # reorder_rule, channel, listing, key, user
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=200)
    changes = models.JSONField(default=dict, help_text="field → [before, after]")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.actor_name or 'system'} {self.action} {self.object_type} {self.object_repr}"
