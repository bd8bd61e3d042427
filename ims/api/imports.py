"""Imports (API.md "Imports"): upload a CSV or XLSX file of one kind, with an optional column
`mapping`; small files run inline, large ones in django-q2 (progress in rows_done, cancel). A
file with any bad row applies nothing and lists every bad row; a dry run (a preview) says how
many rows it would create and update, and can then be applied."""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from ims.kits.roles import IMPORTS
from ims.kits.schema import IMSAutoSchema
from inventory.imports import import_kind, import_kinds
from inventory.imports.jobs import import_job_apply, import_job_cancel, import_job_submit
from inventory.imports.limits import max_file_bytes, too_large_message
from inventory.imports.mapping import mapping_clean
from inventory.models import ImportJob
from inventory.selectors.imports import import_jobs_visible


class ImportErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(
        allow_null=True, help_text="Row in the file as a spreadsheet shows it: the header is 1."
    )
    column = serializers.CharField(allow_null=True)
    message = serializers.CharField()


class ImportJobSerializer(serializers.ModelSerializer):
    errors = ImportErrorSerializer(many=True, read_only=True)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "kind",
            "status",
            "dry_run",
            "file_name",
            "rows_total",
            "rows_done",
            "rows_valid",
            "rows_create",
            "rows_update",
            "mapping",
            "cancel_requested",
            "errors",
            "created_by",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields


class ImportCreateSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="skus, locations, stock, and kinds other apps add.")
    file = serializers.FileField(help_text="CSV (UTF-8, comma or semicolon) or XLSX.")
    dry_run = serializers.BooleanField(default=False)
    mapping = serializers.JSONField(
        required=False,
        binary=True,  # a multipart field: JSON text
        help_text='JSON object from the file\'s column names to ours, e.g. {"Variant SKU": '
        '"code", "Title": "name"}; "" ignores a column.',
    )

    def validate_kind(self, value):
        kinds = import_kinds()
        if value not in kinds:
            raise serializers.ValidationError(
                f"Unknown import kind '{value}'; the kinds are: {', '.join(kinds)}."
            )
        return value

    def validate_file(self, value):
        if value.size > max_file_bytes():
            raise serializers.ValidationError(too_large_message())
        return value

    def validate(self, attrs):
        if "mapping" in attrs:
            try:
                attrs["mapping"] = mapping_clean(import_kind(attrs["kind"]).table, attrs["mapping"])
            except DjangoValidationError as exc:
                raise serializers.ValidationError(exc.message_dict) from None
        return attrs


# The multipart envelope around the file (boundaries, the other fields) stays well under this.
_MULTIPART_ALLOWANCE = 64 * 1024


def refuse_oversized_body(request) -> None:
    """Refuse a body larger than the file limit from its Content-Length, before it is parsed
    (and spooled to disk)."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > max_file_bytes() + _MULTIPART_ALLOWANCE:
        raise DjangoValidationError({"file": too_large_message()})


class ImportListCreateView(generics.ListAPIView):
    schema = IMSAutoSchema()
    serializer_class = ImportJobSerializer
    parser_classes = [MultiPartParser, FormParser]
    filter_backends = []
    roles = {"get": IMPORTS, "post": IMPORTS}  # each kind narrows it (its ImportKind.roles)

    def get_queryset(self):
        return import_jobs_visible(self.request.user)

    @extend_schema(summary="Import jobs, newest first")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Import a CSV or XLSX file",
        description="Small files (up to IMPORT_INLINE_MAX_ROWS rows, 500 by default) are imported "
        "before the response; larger ones are queued (status `queued`) and run in the background: "
        "poll GET /imports/{id}/. A file with any bad row applies nothing and ends `failed` with "
        "every bad row in `errors`.",
        request={"multipart/form-data": ImportCreateSerializer},
        responses={201: ImportJobSerializer},
    )
    def post(self, request, *args, **kwargs):
        refuse_oversized_body(request)
        serializer = ImportCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if not import_kinds()[data["kind"]].allows(request.user):
            raise PermissionDenied(f"You may not import {data['kind']}.")
        upload = data["file"]
        job = import_job_submit(
            kind=data["kind"],
            file_name=upload.name,
            content=upload.read(),
            dry_run=data["dry_run"],
            mapping=data.get("mapping"),
            user=request.user,
        )
        return Response(ImportJobSerializer(job).data, status=status.HTTP_201_CREATED)


class ImportDetailView(generics.RetrieveAPIView):
    schema = IMSAutoSchema()
    serializer_class = ImportJobSerializer
    roles = {"get": IMPORTS}

    def get_queryset(self):
        return import_jobs_visible(self.request.user)

    @extend_schema(summary="Progress and result of an import")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class _JobActionView(generics.GenericAPIView):
    """A POST on one job the user sees and whose kind they may import."""

    schema = IMSAutoSchema()
    serializer_class = ImportJobSerializer
    roles = {"post": IMPORTS}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ImportJob.objects.none()
        return import_jobs_visible(self.request.user)

    def job(self) -> ImportJob:
        job = self.get_object()
        if not import_kinds()[job.kind].allows(self.request.user):
            raise PermissionDenied(f"You may not import {job.kind}.")
        return job


class ImportCancelView(_JobActionView):
    @extend_schema(
        summary="Cancel an import",
        description="A queued import is cancelled at once; a running one stops at its next "
        "progress report and applies nothing. A finished import answers 409.",
        request=None,
        responses={200: ImportJobSerializer},
    )
    def post(self, request, *args, **kwargs):
        return Response(ImportJobSerializer(import_job_cancel(job=self.job())).data)


class ImportApplyView(_JobActionView):
    @extend_schema(
        summary="Apply a previewed import",
        description="Runs the file of a successful dry run (same mapping) for real, as a new "
        "import: 201 with that import. Anything but a successful dry run answers 409.",
        request=None,
        responses={201: ImportJobSerializer},
    )
    def post(self, request, *args, **kwargs):
        job = import_job_apply(job=self.job(), user=request.user)
        return Response(ImportJobSerializer(job).data, status=status.HTTP_201_CREATED)
