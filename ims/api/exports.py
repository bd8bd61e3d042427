"""Exports (API.md "Imports"): GET /exports/{kind}/?format=csv|xlsx plus the list's filters → the
file, in the columns an import of that kind takes, formula-safe (inventory.imports.exports).

`format` here names the file, not the response's renderer (DRF reads `?format=` as a renderer
choice and would answer 404 for "csv"): the view negotiates nothing, its errors are JSON.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from ims.kits.roles import EXPORTS
from ims.kits.schema import IMSAutoSchema
from inventory.imports import import_kind, import_kinds
from inventory.imports.exports import CONTENT_TYPES, FORMATS, export_format, export_response


class ErrorsAsJson(BaseContentNegotiation):
    """The file's format is the `format` parameter; anything else the view says is JSON."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class ExportSchema(IMSAutoSchema):
    """The kinds, read when the schema is generated: every app registers its own."""

    def get_override_parameters(self):
        kinds = OpenApiParameter(
            "kind",
            OpenApiTypes.STR,
            OpenApiParameter.PATH,
            enum=list(import_kinds()),
            description="The import kind, whose columns the file has.",
        )
        return [*super().get_override_parameters(), kinds]


_FILE = OpenApiResponse(
    OpenApiTypes.BINARY,
    description="The file: a header row with the import's column names, then one row each.",
)


class ExportView(APIView):
    schema = ExportSchema()
    renderer_classes = [JSONRenderer]
    content_negotiation_class = ErrorsAsJson
    roles = {"get": EXPORTS}  # each kind narrows it (its ImportKind.export_roles)

    @extend_schema(
        summary="Export a kind as CSV or XLSX",
        description="The rows of the kind's list that the caller may see, narrowed by the "
        "list's own filters (for instance `q` for SKUs, `warehouse` for stock), in the columns "
        "an import of the kind takes: the file imports back unchanged. Text cells starting "
        "with =, +, -, @, tab, CR or NUL are prefixed with ' (a spreadsheet shows them as "
        "text); numbers stay numbers. An unknown kind is 404, a kind the caller may not "
        "export 403.",
        parameters=[
            OpenApiParameter(
                "format",
                OpenApiTypes.STR,
                OpenApiParameter.QUERY,
                enum=list(FORMATS),
                default="csv",
                description="csv (UTF-8 with a BOM) or xlsx.",
            )
        ],
        responses={
            (200, CONTENT_TYPES["csv"].split(";")[0]): _FILE,
            (200, CONTENT_TYPES["xlsx"]): _FILE,
        },
    )
    def get(self, request, kind):
        try:
            export = import_kind(kind)
        except DjangoValidationError as error:
            raise NotFound(error.message_dict["kind"][0]) from None
        if not export.allows_export(request.user):
            raise PermissionDenied(f"You may not export {export.label}.")
        file_format = export_format(request.query_params.get("format"))
        params = request.query_params.copy()
        params.pop("format", None)
        rows = export.table.export_rows(user=request.user, params=params)
        return export_response(export.table, rows, file_format)
