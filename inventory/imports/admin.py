"""Admin side of imports and exports: a mixin for any app's ModelAdmin.

The admin's import and export use the same fast path, preview and export as the import screen
(inventory.views.imports) and GET /api/v1/exports/{kind}/."""

from django.contrib.auth import get_permission_codename


class ImportAdminMixin:
    """Importing needs the model's add permission (the admin's own add button may be off, as
    for stock); `import_kind` names the registry kind of the changelist's model."""

    import_kind: str = ""

    def has_import_permission(self, request):
        opts = self.model._meta
        return request.user.has_perm(f"{opts.app_label}.{get_permission_codename('add', opts)}")
