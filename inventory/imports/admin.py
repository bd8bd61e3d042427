"""Admin side of imports and exports: a mixin for any app's ModelAdmin.

Each changelist gets "Import" and "Export CSV / XLSX" buttons. The admin's import is the import
screen's flow (inventory.views.import_steps: upload → column mapping → the preview with each
error's message in its row → apply → progress and result), shown in the admin's own pages under
`<changelist>/import/`, gated by the model's add permission. Exports go to the one export view
(GET /exports/<kind>/, url name `export-download`) with the changelist's filters that the
kind's export reads.
"""

from django.contrib.auth import get_permission_codename
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotAllowed
from django.urls import NoReverseMatch, path, reverse
from django.utils.http import urlencode

from inventory.imports.registry import import_kinds
from inventory.models import ImportJob
from inventory.views import import_steps
from inventory.views.import_steps import ImportFlow

EXPORT_FORMATS = (("csv", "Export CSV"), ("xlsx", "Export XLSX"))
# (step, URL suffix after import/, the step's view, HTTP methods); "" is the upload
STEPS = (
    ("new", "", import_steps.upload_step, ("GET", "POST")),
    ("job", "<int:pk>/", import_steps.job_step, ("GET",)),
    ("mapping", "<int:pk>/mapping/", import_steps.mapping_step, ("GET", "POST")),
    ("progress", "<int:pk>/progress/", import_steps.progress_step, ("GET",)),
    ("apply", "<int:pk>/apply/", import_steps.apply_step, ("POST",)),
    ("cancel", "<int:pk>/cancel/", import_steps.cancel_step, ("POST",)),
    ("remap", "<int:pk>/remap/", import_steps.remap_step, ("POST",)),
)


def _url_prefix(opts) -> str:
    return f"{opts.app_label}_{opts.model_name}_import"


class AdminImportFlow(ImportFlow):
    """The import steps inside one model's admin: its kind only, its chrome and breadcrumbs."""

    base_template = "admin/base_site.html"
    in_admin = True

    def __init__(self, model_admin):
        self.model_admin = model_admin
        opts = model_admin.model._meta
        prefix = _url_prefix(opts)
        self.names = {step: f"admin:{prefix}_{step}" for step, *_ in STEPS}
        self.names["new"] = f"admin:{prefix}"
        self.names["list"] = f"admin:{opts.app_label}_{opts.model_name}_changelist"

    def kind(self):
        return import_kinds().get(self.model_admin.import_kind)

    def kinds(self, request):
        kind = self.kind()
        allowed = kind is not None and self.model_admin.has_import_permission(request)
        return [kind] if allowed else []

    def jobs(self, request):
        kind = self.model_admin.import_kind
        return ImportJob.objects.defer("content").select_related("created_by").filter(kind=kind)

    def context(self, request, **values):
        opts = self.model_admin.model._meta
        crumbs = [
            ("Home", reverse("admin:index")),
            (opts.app_config.verbose_name, reverse("admin:app_list", args=[opts.app_label])),
            (str(opts.verbose_name_plural).capitalize(), self.url("list")),
        ]
        job = values.get("job")
        crumbs.append(("Import", self.url("new") if job else ""))
        if job is not None:
            crumbs.append((f"#{job.pk}", ""))
        return {
            **self.model_admin.admin_site.each_context(request),
            "opts": opts,
            "title": f"Import {opts.verbose_name_plural}",
            "crumbs": crumbs,
            **super().context(request, **values),
        }


class ImportAdminMixin:
    """Importing needs the model's add permission (the admin's own add button may be off, as
    for stock); `import_kind` names the registry kind of the changelist's model."""

    import_kind: str = ""
    change_list_template = "admin/inventory/import_change_list.html"

    def has_import_permission(self, request):
        opts = self.model._meta
        return request.user.has_perm(f"{opts.app_label}.{get_permission_codename('add', opts)}")

    def get_urls(self):
        prefix = _url_prefix(self.model._meta)
        own = [
            path(
                f"import/{suffix}",
                self.admin_site.admin_view(self._import_view(name, view, methods)),
                name=prefix if name == "new" else f"{prefix}_{name}",
            )
            for name, suffix, view, methods in STEPS
        ]
        return own + super().get_urls()

    def _import_view(self, step: str, view, methods):
        def run(request, pk=None):
            flow = AdminImportFlow(self)
            if flow.kind() is None:
                raise Http404(f"{self.model._meta.verbose_name_plural} do not import yet.")
            if not self.has_import_permission(request):
                raise PermissionDenied
            if request.method not in methods:
                return HttpResponseNotAllowed(methods)
            if step == "new":
                return view(request, flow)
            job = flow.jobs(request).filter(pk=pk).first()
            if job is None:
                plural = self.model._meta.verbose_name_plural
                raise Http404(f"There is no import #{pk} of {plural}.")
            return view(request, flow, job)

        return run

    def changelist_view(self, request, extra_context=None):
        kind = import_kinds().get(self.import_kind)
        tools = {"import_url": "", "export_urls": []}
        if kind is not None:
            if self.has_import_permission(request):
                tools["import_url"] = reverse(f"admin:{_url_prefix(self.model._meta)}")
            if kind.allows_export(request.user):
                tools["export_urls"] = self.export_urls(request)
        return super().changelist_view(request, {**tools, **(extra_context or {})})

    def export_urls(self, request) -> list[tuple[str, str]]:
        params = self.export_params(request)
        urls = []
        for file_format, label in EXPORT_FORMATS:
            try:
                url = reverse(
                    "export-download", kwargs={"kind": self.import_kind, "format": file_format}
                )
                query = params
            except NoReverseMatch:
                try:
                    url = reverse("export-download", kwargs={"kind": self.import_kind})
                except NoReverseMatch:
                    return []  # the export view is not wired: no buttons
                query = {"format": file_format, **params}
            urls.append((label, f"{url}?{urlencode(query)}" if query else url))
        return urls

    def export_params(self, request) -> dict[str, str]:
        """The changelist's search and filters, as the kind's export filters name them: `q`
        as it is, `<field>__exact` of a plain list filter as `<field>` (yes/no as true/false),
        and `<relation>__id__exact` as the related row's code. Filters that map to nothing
        are left out (the export is then wider than the list: plain)."""
        params = {}
        if request.GET.get("q"):
            params["q"] = request.GET["q"]
        for name in self.list_filter:
            if not isinstance(name, str) or "__" in name:
                continue
            field = self.model._meta.get_field(name)
            if field.is_relation:
                value = request.GET.get(f"{name}__id__exact")
                related = field.related_model
                has_code = any(f.name == "code" for f in related._meta.fields)
                if value and value.isdigit() and has_code:
                    code = related.objects.filter(pk=value).values_list("code", flat=True).first()
                    if code is not None:
                        params[name] = code
                continue
            value = request.GET.get(f"{name}__exact")
            if value is None:
                continue
            if field.get_internal_type() == "BooleanField":
                value = {"1": "true", "0": "false"}.get(value, value)
            params[name] = value
        return params
