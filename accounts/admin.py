from django.contrib import admin

from accounts.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """The audit log for admins: read-only, searchable, filtered by what changed."""

    list_display = ["created_at", "actor_name", "action", "object_type", "object_repr", "changes"]
    list_filter = ["object_type", "action"]
    search_fields = ["object_repr", "actor_name"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
