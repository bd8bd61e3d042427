"""Reads of people and of the audit log, shaped once."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models import Prefetch, QuerySet

from accounts.models import AuditEntry
from ims.kits.roles import Role


def user_list() -> QuerySet:
    return (
        get_user_model()
        .objects.prefetch_related(
            Prefetch("groups", queryset=Group.objects.filter(name__in=Role.values)),
            "warehouses",
        )
        .order_by("username")
    )


def audit_list() -> QuerySet[AuditEntry]:
    return AuditEntry.objects.select_related("actor").order_by("-created_at", "-id")
