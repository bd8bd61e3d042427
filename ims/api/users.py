"""/users/ and /audit-log/ (API.md "Users and roles"): admins only. Thin: parse, call one service
(accounts.services), render."""

import django_filters
from django.contrib.auth import get_user_model
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from accounts.models import AuditEntry
from accounts.selectors import audit_list, user_list
from accounts.services import user_create, user_update
from ims.kits.ordering import AliasOrderingFilter
from ims.kits.roles import ADMINS, Role
from ims.kits.schema import IMSAutoSchema
from inventory.api.serializers import CodeRelatedField
from inventory.models import Warehouse


class UserSerializer(serializers.Serializer):
    username = serializers.CharField(read_only=True)
    email = serializers.EmailField(read_only=True, allow_blank=True)
    roles = serializers.SerializerMethodField()
    warehouses = serializers.SerializerMethodField()
    active = serializers.BooleanField(source="is_active", read_only=True)
    last_login = serializers.DateTimeField(read_only=True, allow_null=True)

    def get_roles(self, user) -> list[str]:
        return sorted(group.name for group in user.groups.all() if group.name in Role.values)

    def get_warehouses(self, user) -> list[str]:
        return sorted(warehouse.code for warehouse in user.warehouses.all())


class UserWriteSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(
        write_only=True, max_length=128, style={"input_type": "password"}
    )
    email = serializers.EmailField(required=False, allow_blank=True)
    roles = serializers.ListField(
        child=serializers.ChoiceField(choices=Role.values), required=False, default=list
    )
    warehouses = serializers.ListField(
        child=CodeRelatedField(Warehouse), required=False, default=list, max_length=500
    )
    active = serializers.BooleanField(required=False, default=True)


class UserUpdateSerializer(serializers.Serializer):
    password = serializers.CharField(write_only=True, max_length=128, required=False)
    email = serializers.EmailField(required=False, allow_blank=True)
    roles = serializers.ListField(
        child=serializers.ChoiceField(choices=Role.values), required=False
    )
    warehouses = serializers.ListField(
        child=CodeRelatedField(Warehouse), required=False, max_length=500
    )
    active = serializers.BooleanField(required=False)


class UserFilter(django_filters.FilterSet):
    role = django_filters.ChoiceFilter(field_name="groups__name", choices=Role.choices)
    warehouse = django_filters.CharFilter(field_name="warehouses__code")
    active = django_filters.BooleanFilter(field_name="is_active")

    class Meta:
        model = get_user_model()
        fields = ["role", "warehouse", "active"]


@extend_schema_view(
    list=extend_schema(summary="List users"),
    retrieve=extend_schema(summary="A user by username"),
    create=extend_schema(
        summary="Add a user",
        request=UserWriteSerializer,
        responses={201: UserSerializer},
    ),
    partial_update=extend_schema(
        summary="Change a user's password, e-mail, roles, warehouses or active flag",
        request=UserUpdateSerializer,
        responses={200: UserSerializer},
    ),
)
class UserViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    schema = IMSAutoSchema()
    serializer_class = UserSerializer
    filterset_class = UserFilter
    filter_backends = [DjangoFilterBackend, AliasOrderingFilter]
    ordering_aliases = {"username": "username", "last_login": "last_login"}
    lookup_field = "username"
    lookup_value_regex = r"[^/]+"
    http_method_names = ["get", "post", "patch", "head", "options"]
    roles = {"list": ADMINS, "retrieve": ADMINS, "create": ADMINS, "partial_update": ADMINS}

    def get_queryset(self):
        return user_list()

    def get_object(self):
        if "\x00" in self.kwargs["username"]:
            raise NotFound()
        return super().get_object()

    def _render(self, user, code=status.HTTP_200_OK):
        return Response(UserSerializer(user_list().get(pk=user.pk)).data, status=code)

    def create(self, request, *args, **kwargs):
        serializer = UserWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = user_create(**serializer.validated_data, actor=request.user)
        return self._render(user, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        user = self.get_object()
        serializer = UserUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        user = user_update(user=user, **serializer.validated_data, actor=request.user)
        return self._render(user)


class AuditEntrySerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor_name")
    object = serializers.CharField(source="object_repr")

    class Meta:
        model = AuditEntry
        fields = [
            "id",
            "actor",
            "action",
            "object_type",
            "object",
            "object_id",
            "changes",
            "created_at",
        ]
        read_only_fields = fields


class AuditEntryFilter(django_filters.FilterSet):
    actor = django_filters.CharFilter(field_name="actor_name")
    object_type = django_filters.CharFilter()
    object_id = django_filters.CharFilter()
    action = django_filters.CharFilter()
    since = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")

    class Meta:
        model = AuditEntry
        fields = ["actor", "object_type", "object_id", "action", "since"]


@extend_schema_view(
    list=extend_schema(summary="Who changed what outside the stock ledger, newest first"),
    retrieve=extend_schema(summary="One audit entry"),
)
class AuditLogViewSet(viewsets.ReadOnlyModelViewSet):
    schema = IMSAutoSchema()
    serializer_class = AuditEntrySerializer
    filterset_class = AuditEntryFilter
    filter_backends = [DjangoFilterBackend, AliasOrderingFilter]
    ordering_aliases = {"created_at": "created_at", "object_type": "object_type"}
    lookup_value_regex = r"[0-9]{1,18}"
    roles = {"list": ADMINS, "retrieve": ADMINS}

    def get_queryset(self):
        return audit_list()
