"""django-filter FilterSets shared by the screens and the REST API (DESIGN.md, "Layout").

Filters take natural keys (codes, lot numbers) as plain text and match exactly, so an unknown
code yields an empty list rather than an error and costs no extra query. `q` is the screens'
free-text search; the API accepts it too.
"""

import datetime

import django_filters
from django import forms
from django.db.models import Q
from django_filters.fields import IsoDateTimeField

from inventory.models import (
    SELLABLE_TYPES,
    AbcClass,
    BinStock,
    CountOrigin,
    CountStatus,
    CycleCount,
    Location,
    LocationType,
    MovementKind,
    MoveTask,
    MoveTaskStatus,
    Sku,
    SkuVelocity,
    SlottingRecommendation,
    StockMovement,
    Warehouse,
    WarehouseStock,
)


class UtcDateTimeField(IsoDateTimeField):
    """An ISO 8601 instant, converted to UTC: PostgreSQL refuses UTC offsets beyond ±15:59 that
    Python accepts, and an instant outside years 1-9999 in UTC is refused here as bad input."""

    def clean(self, value):
        value = super().clean(value)
        if value is None:
            return None
        try:
            return value.astimezone(datetime.UTC)
        except (OverflowError, ValueError) as exc:
            raise forms.ValidationError("Date/time out of range.", code="invalid") from exc


class UtcDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcDateTimeField


class SkuFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    code = django_filters.CharFilter(field_name="code")
    barcode = django_filters.CharFilter(field_name="barcode")
    active = django_filters.BooleanFilter(field_name="active")
    lot_tracked = django_filters.BooleanFilter(field_name="lot_tracked")

    class Meta:
        model = Sku
        fields = ["q", "code", "barcode", "active", "lot_tracked"]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(code__icontains=value) | Q(name__icontains=value) | Q(barcode=value)
        )


class WarehouseFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    code = django_filters.CharFilter(field_name="code")

    class Meta:
        model = Warehouse
        fields = ["q", "code"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(code__icontains=value) | Q(name__icontains=value))


class LocationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="code", lookup_expr="icontains", label="Search")
    warehouse = django_filters.CharFilter(field_name="warehouse__code", label="Warehouse code")
    code = django_filters.CharFilter(field_name="code", label="Location code")
    type = django_filters.ChoiceFilter(choices=LocationType.choices)
    parent = django_filters.CharFilter(field_name="parent__code", label="Parent code")
    top_level = django_filters.BooleanFilter(
        field_name="parent", lookup_expr="isnull", label="Only locations without a parent"
    )
    sellable = django_filters.BooleanFilter(method="filter_sellable")

    class Meta:
        model = Location
        fields = ["q", "warehouse", "code", "type", "parent", "top_level", "sellable"]

    def filter_sellable(self, queryset, name, value):
        types = [t.value for t in SELLABLE_TYPES]
        return queryset.filter(type__in=types) if value else queryset.exclude(type__in=types)


class StockFilter(django_filters.FilterSet):
    """Bin-level stock (BinStock rows)."""

    q = django_filters.CharFilter(method="search", label="Search")
    sku = django_filters.CharFilter(field_name="sku__code", label="SKU code")
    warehouse = django_filters.CharFilter(
        field_name="location__warehouse__code", label="Warehouse code"
    )
    location = django_filters.CharFilter(field_name="location__code", label="Location code")
    under = django_filters.CharFilter(
        method="filter_under", label="Location code whose subtree to include"
    )
    lot = django_filters.CharFilter(field_name="lot__lot_number", label="Lot number")
    sellable = django_filters.BooleanFilter(method="filter_sellable")

    class Meta:
        model = BinStock
        fields = ["q", "sku", "warehouse", "location", "under", "lot", "sellable"]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(sku__code__icontains=value)
            | Q(sku__name__icontains=value)
            | Q(sku__barcode=value)
            | Q(location__code__icontains=value)
            | Q(lot__lot_number__icontains=value)
        )

    def filter_under(self, queryset, name, value):
        # Materialised paths: "/A/A-01/" lies under "A" when it contains "/A/".
        return queryset.filter(location__path__contains=f"/{value}/")

    def filter_sellable(self, queryset, name, value):
        types = [t.value for t in SELLABLE_TYPES]
        return (
            queryset.filter(location__type__in=types)
            if value
            else queryset.exclude(location__type__in=types)
        )


class AvailabilityFilter(django_filters.FilterSet):
    """Per SKU and warehouse availability (WarehouseStock rows)."""

    q = django_filters.CharFilter(method="search", label="Search")
    sku = django_filters.CharFilter(field_name="sku__code", label="SKU code")
    warehouse = django_filters.CharFilter(field_name="warehouse__code", label="Warehouse code")

    class Meta:
        model = WarehouseStock
        fields = ["q", "sku", "warehouse"]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(sku__code__icontains=value) | Q(sku__name__icontains=value) | Q(sku__barcode=value)
        )


class MovementFilter(django_filters.FilterSet):
    """The stock ledger (StockMovement rows)."""

    q = django_filters.CharFilter(method="search", label="Search")
    sku = django_filters.CharFilter(field_name="sku__code", label="SKU code")
    warehouse = django_filters.CharFilter(field_name="warehouse__code", label="Warehouse code")
    kind = django_filters.ChoiceFilter(choices=MovementKind.choices)
    location = django_filters.CharFilter(
        method="filter_location", label="Location code (either end of the movement)"
    )
    lot = django_filters.CharFilter(field_name="lot__lot_number", label="Lot number")
    reference = django_filters.CharFilter(field_name="reference")
    created_after = UtcDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = UtcDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = StockMovement
        fields = [
            "q",
            "sku",
            "warehouse",
            "kind",
            "location",
            "lot",
            "reference",
            "created_after",
            "created_before",
        ]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(sku__code__icontains=value)
            | Q(reference__icontains=value)
            | Q(reason__icontains=value)
        )

    def filter_location(self, queryset, name, value):
        return queryset.filter(Q(from_location__code=value) | Q(to_location__code=value))


class VelocityFilter(django_filters.FilterSet):
    """SKU velocity rows, by SKU, warehouse and ABC class."""

    sku = django_filters.CharFilter(field_name="sku__code", label="SKU code")
    warehouse = django_filters.CharFilter(field_name="warehouse__code", label="Warehouse code")
    abc = django_filters.ChoiceFilter(choices=AbcClass.choices, label="ABC class")

    class Meta:
        model = SkuVelocity
        fields = ["sku", "warehouse", "abc"]


class SlottingRecommendationFilter(django_filters.FilterSet):
    """Slotting recommendations, by warehouse and SKU (either half of a swap)."""

    warehouse = django_filters.CharFilter(field_name="warehouse__code", label="Warehouse code")
    sku = django_filters.CharFilter(method="filter_sku", label="SKU code")

    class Meta:
        model = SlottingRecommendation
        fields = ["warehouse", "sku"]

    def filter_sku(self, queryset, name, value):
        return queryset.filter(Q(sku__code=value) | Q(swap_sku__code=value))


class MoveTaskFilter(django_filters.FilterSet):
    """Move tasks, by warehouse, status, assignee (a username) and SKU."""

    warehouse = django_filters.CharFilter(field_name="warehouse__code", label="Warehouse code")
    status = django_filters.ChoiceFilter(choices=MoveTaskStatus.choices)
    assignee = django_filters.CharFilter(field_name="assignee__username", label="Assignee")
    unassigned = django_filters.BooleanFilter(
        field_name="assignee", lookup_expr="isnull", label="Only tasks nobody holds"
    )
    sku = django_filters.CharFilter(field_name="sku__code", label="SKU code")

    class Meta:
        model = MoveTask
        fields = ["warehouse", "status", "assignee", "unassigned", "sku"]


class CycleCountFilter(django_filters.FilterSet):
    """Cycle counts: by status, origin, warehouse and assignee; `q` finds a count by its number,
    reason, or the bin, SKU or zone it counts."""

    q = django_filters.CharFilter(method="search", label="Search")
    status = django_filters.ChoiceFilter(choices=CountStatus.choices)
    origin = django_filters.ChoiceFilter(choices=CountOrigin.choices)
    warehouse = django_filters.CharFilter(field_name="warehouse__code", label="Warehouse code")
    assignee = django_filters.CharFilter(field_name="assignee__username", label="Assignee")

    class Meta:
        model = CycleCount
        fields = ["q", "status", "origin", "warehouse", "assignee"]

    def search(self, queryset, name, value):
        value = value.strip().lstrip("#")
        found = (
            Q(reason__icontains=value)
            | Q(location__code__iexact=value)
            | Q(zone__code__iexact=value)
            | Q(sku__code__iexact=value)
            | Q(sku__barcode=value)
        )
        if value.isdigit() and len(value) < 18:
            found |= Q(pk=int(value))
        return queryset.filter(found)
