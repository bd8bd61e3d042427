"""Slotting and move tasks through the API (API.md "Counts, velocity and slotting"): the open
recommendations, applying them as move tasks, the move tasks, completing one.

Who may call: HANDLE_STOCK (admin, manager) reads and applies recommendations of their
warehouses — a warehouse of someone else's is 404; FLOOR (admin, manager, associate) lists and
completes move tasks of their warehouses — an associate only their own and unassigned ones
(others are 404).
"""

from django.urls import path
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter
from rest_framework.views import APIView

from ims.kits.access import api_scope, can, require_in_scope
from ims.kits.ordering import AliasOrderingFilter
from ims.kits.roles import FLOOR, HANDLE_STOCK
from ims.kits.schema import IMSAutoSchema
from inventory.api.serializers import MAX_INT, MAX_QUANTITY, CodeRelatedField
from inventory.filters import MoveTaskFilter, SlottingRecommendationFilter
from inventory.models import MoveTask, SlottingRecommendation, Warehouse
from inventory.selectors.slotting import move_task_list, recommendation_list
from inventory.services.move_tasks import move_task_complete, slotting_apply

FILTERS = [DjangoFilterBackend, AliasOrderingFilter]


# Serializers ----------------------------------------------------------------------------------


class RecommendationSerializer(serializers.ModelSerializer):
    sku = serializers.CharField(source="sku.code")
    lot = serializers.CharField(source="lot.lot_number", allow_null=True, default=None)
    from_location = serializers.CharField(
        source="from_location.code", help_text="The far bin the SKU leaves."
    )
    to_location = serializers.CharField(
        source="to_location.code", help_text="The bin nearer packing it goes to."
    )
    swap_sku = serializers.CharField(
        source="swap_sku.code",
        allow_null=True,
        default=None,
        help_text="The slower SKU in `to_location` that goes the other way; null: a free bin.",
    )
    swap_quantity = serializers.IntegerField(help_text="Units of `swap_sku` (0: a free bin).")
    walk_saved_per_week = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        coerce_to_string=False,
        help_text="Travel cost saved per week: (picks/week of sku - of swap_sku) x cost gap.",
    )

    class Meta:
        model = SlottingRecommendation
        fields = [
            "id",
            "sku",
            "lot",
            "quantity",
            "from_location",
            "to_location",
            "swap_sku",
            "swap_quantity",
            "walk_saved_per_week",
        ]
        read_only_fields = fields


class MoveTaskSerializer(serializers.ModelSerializer):
    warehouse = serializers.CharField(source="warehouse.code")
    sku = serializers.CharField(source="sku.code")
    lot = serializers.CharField(source="lot.lot_number", allow_null=True, default=None)
    from_location = serializers.CharField(source="from_location.code")
    to_location = serializers.CharField(source="to_location.code")
    assignee = serializers.CharField(source="assignee.username", allow_null=True, default=None)
    after = serializers.IntegerField(
        source="after_id", allow_null=True, help_text="A move task that must be done first."
    )
    recommendation = serializers.IntegerField(source="recommendation_id", allow_null=True)
    moved = serializers.IntegerField(help_text="Units moved, once done.")

    class Meta:
        model = MoveTask
        fields = [
            "id",
            "warehouse",
            "sku",
            "lot",
            "quantity",
            "from_location",
            "to_location",
            "assignee",
            "status",
            "reason",
            "after",
            "moved",
            "recommendation",
            "created_at",
            "completed_at",
        ]
        read_only_fields = fields


class ApplySerializer(serializers.Serializer):
    warehouse = CodeRelatedField(Warehouse)
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_INT),
        required=False,
        max_length=1000,
        help_text="Recommendations to apply; leave out for every open one of the warehouse.",
    )


class AppliedSerializer(serializers.Serializer):
    move_tasks = MoveTaskSerializer(many=True)
    applied = serializers.ListField(
        child=serializers.IntegerField(), help_text="The recommendations now `applied`."
    )


class MoveCompleteSerializer(serializers.Serializer):
    quantity = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_QUANTITY, help_text="Default: all of them."
    )


# Recommendations ------------------------------------------------------------------------------


@extend_schema(
    summary="Open slotting recommendations, most walking saved first",
    description="Each moves a SKU from a far bin to one nearer packing, into a free bin or "
    "swapping with a slower SKU (`swap_sku`). Recomputed with velocity (nightly, and by "
    "`POST /velocity/recompute/`). `warehouse`: a code; one you do not work in is 404.",
    parameters=[OpenApiParameter("warehouse", OpenApiTypes.STR, description="Warehouse code")],
)
class RecommendationListView(generics.ListAPIView):
    schema = IMSAutoSchema()
    serializer_class = RecommendationSerializer
    roles = {"get": HANDLE_STOCK}
    filterset_class = SlottingRecommendationFilter
    filter_backends = FILTERS
    ordering_aliases = {
        "id": "id",
        "walk_saved_per_week": "walk_saved_per_week",
        "sku": "sku__code",
        "quantity": "quantity",
        "from_location": "from_location__code",
        "to_location": "to_location__code",
    }

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator asks for the model
            return SlottingRecommendation.objects.none()
        scope = api_scope(self.request, self)
        code = self.request.query_params.get("warehouse")
        if code:
            _warehouse_in_scope(code, scope)
        return recommendation_list(warehouses=scope)


def _warehouse_in_scope(code: str, scope) -> Warehouse:
    warehouse = None
    if "\x00" not in code and len(code) <= 64:
        warehouse = Warehouse.objects.filter(code=code).first()
    if warehouse is None:
        raise NotFound(f"Warehouse {code[:64]} does not exist.")
    require_in_scope(scope, warehouse.pk, f"Warehouse {code}")
    return warehouse


@extend_schema(
    summary="Apply slotting recommendations: they become move tasks",
    description="One move task for a move into a free bin, two for a swap (the second waits "
    "for the first, `after`, so no bin overflows); each recommendation's tasks go to the "
    "warehouse's least busy associate, or stay unassigned. Without `ids`, every open "
    "recommendation of the warehouse. All or nothing: a recommendation no longer open, or a "
    "swap neither bin can hold at once, is 400 on `ids` and nothing is created.",
    request=ApplySerializer,
    responses={201: AppliedSerializer},
)
class RecommendationApplyView(APIView):
    schema = IMSAutoSchema()
    roles = {"post": HANDLE_STOCK}

    def post(self, request):
        serializer = ApplySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        warehouse = serializer.validated_data["warehouse"]
        require_in_scope(api_scope(request, self), warehouse.pk, f"Warehouse {warehouse.code}")
        tasks = slotting_apply(
            warehouse=warehouse, ids=serializer.validated_data.get("ids"), actor=request.user
        )
        fresh = move_task_list().filter(pk__in=[task.pk for task in tasks]).order_by("pk")
        body = {
            "move_tasks": fresh,
            "applied": sorted({task.recommendation_id for task in tasks}),
        }
        return Response(AppliedSerializer(body).data, status=status.HTTP_201_CREATED)


# Move tasks -----------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="List move tasks (open first)"),
    retrieve=extend_schema(summary="A move task"),
)
class MoveTaskViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    schema = IMSAutoSchema()
    serializer_class = MoveTaskSerializer
    filterset_class = MoveTaskFilter
    filter_backends = FILTERS
    lookup_value_regex = r"[0-9]{1,18}"
    ordering_aliases = {
        "id": "id",
        "created_at": "created_at",
        "status": "status",
        "sku": "sku__code",
        "quantity": "quantity",
        "from_location": "from_location__code",
        "to_location": "to_location__code",
        "walk": "from_location__travel_cost",
    }
    roles = {"list": FLOOR, "retrieve": FLOOR, "complete": FLOOR}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return MoveTask.objects.none()
        mine = None if can(self.request, HANDLE_STOCK) else self.request.user
        return move_task_list(warehouses=api_scope(self.request, self), assignee_or_unassigned=mine)

    @extend_schema(
        summary="Complete a move task: the units move, with a `move` ledger row",
        description="Default: all the task's units; fewer closes the task for what moved. A "
        "task not open, one whose `after` task is not done, or a source bin that no longer "
        "holds the units is 409 `invalid_state` and nothing moves; a destination without room "
        "is 400 on `to_location`.",
        request=MoveCompleteSerializer,
        responses={200: MoveTaskSerializer},
    )
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        task = self.get_object()
        serializer = MoveCompleteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        done = move_task_complete(
            task=task, quantity=serializer.validated_data.get("quantity"), actor=request.user
        )
        return Response(MoveTaskSerializer(move_task_list().get(pk=done.pk)).data)


router = SimpleRouter()
router.register("move-tasks", MoveTaskViewSet, basename="move-task")

urlpatterns: list = [
    path(
        "slotting/recommendations/",
        RecommendationListView.as_view(),
        name="slotting-recommendation-list",
    ),
    path(
        "slotting/recommendations/apply/",
        RecommendationApplyView.as_view(),
        name="slotting-recommendation-apply",
    ),
    *router.urls,
]
