"""Downloads on the screens: an export of a kind (the list screens' "Export CSV · XLSX" links,
which carry the list's filters) and a blank import template (header and one example row).

The same files as the API's GET /exports/{kind}/ (inventory.imports.exports). Each kind narrows
the door: exports to its ImportKind.export_roles, templates to those who may import it.
"""

from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.urls import path, re_path
from django.views.decorators.http import require_GET

from ims.kits.access import roles_required
from ims.kits.roles import EXPORTS, IMPORTS
from inventory.imports import import_kind
from inventory.imports.exports import FORMATS, export_format, export_response, template_rows


def _refused(request, message: str, status: int):
    page = {400: "400.html", 403: "403.html", 404: "404.html"}[status]
    return render(request, page, {"message": message}, status=status)


def _kind(name: str):
    """The registered kind, or None (the caller answers 404 with the message)."""
    try:
        return import_kind(name), ""
    except ValidationError as error:
        return None, error.message_dict["kind"][0]


@roles_required(EXPORTS)
@require_GET
def export_download(request, kind):
    export, unknown = _kind(kind)
    if export is None:
        return _refused(request, unknown, 404)
    if not export.allows_export(request.user):
        return _refused(request, f"You may not export {export.label}.", 403)
    try:
        file_format = export_format(request.GET.get("format"))
        params = request.GET.copy()
        params.pop("format", None)
        # export_response reads the first row, so a filter the kind refuses is raised here.
        return export_response(
            export.table, export.table.export_rows(user=request.user, params=params), file_format
        )
    except ValidationError as error:
        return _refused(request, " ".join(error.messages), 400)


@roles_required(IMPORTS)
@require_GET
def import_template(request, kind, format):  # `format`: the URL's name (import-template)
    file_format = format
    template, unknown = _kind(kind)
    if template is None:
        return _refused(request, unknown, 404)
    if not template.allows(request.user):
        return _refused(request, f"You may not import {template.label}.", 403)
    if file_format not in FORMATS:
        return _refused(request, f"There is no .{file_format} template: {', '.join(FORMATS)}.", 404)
    return export_response(
        template.table, template_rows(template.table), file_format, template=True
    )


urlpatterns = [
    path("exports/<str:kind>/", export_download, name="export-download"),
    re_path(
        r"^imports/templates/(?P<kind>[^/.]+)\.(?P<format>[^/.]+)$",
        import_template,
        name="import-template",
    ),
]
