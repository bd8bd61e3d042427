"""FilterSets shared by the receiving screens and API (DESIGN.md, "Layout").

Natural keys (codes, PO numbers) match exactly, so an unknown one yields an empty list. `q` is
free-text search; `sort` orders the screens (the API also takes DRF's `ordering`).
"""

import django_filters
from django.db.models import Exists, OuterRef, Q

from receiving.models import (
    Discrepancy,
    DiscrepancyCode,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseOrderStatus,
    PutawayStatus,
    PutawayTask,
    Supplier,
)


class SupplierFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    code = django_filters.CharFilter(field_name="code")

    class Meta:
        model = Supplier
        fields = ["q", "code"]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(code__icontains=value) | Q(name__icontains=value) | Q(email__icontains=value)
        )


class PurchaseOrderFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    number = django_filters.CharFilter(field_name="number")
    status = django_filters.MultipleChoiceFilter(choices=PurchaseOrderStatus.choices)
    supplier = django_filters.CharFilter(field_name="supplier__code", label="Supplier code")
    warehouse = django_filters.CharFilter(field_name="warehouse__code", label="Warehouse code")
    sku = django_filters.CharFilter(method="filter_sku", label="SKU code on a line")
    expected_after = django_filters.DateFilter(
        field_name="expected_date", lookup_expr="gte", label="Expected on or after"
    )
    expected_before = django_filters.DateFilter(
        field_name="expected_date", lookup_expr="lte", label="Expected on or before"
    )
    sort = django_filters.OrderingFilter(
        fields=(
            ("number", "number"),
            ("expected_date", "expected_date"),
            ("created_at", "created"),
            ("status", "status"),
            ("supplier__code", "supplier"),
            ("warehouse__code", "warehouse"),
        ),
        label="Sort by",
    )

    class Meta:
        model = PurchaseOrder
        fields = [
            "q",
            "number",
            "status",
            "supplier",
            "warehouse",
            "sku",
            "expected_after",
            "expected_before",
        ]

    def search(self, queryset, name, value):
        on_a_line = PurchaseOrderLine.objects.filter(
            Q(sku__code__icontains=value) | Q(sku__barcode=value), purchase_order=OuterRef("pk")
        )
        return queryset.filter(
            Q(number__icontains=value)
            | Q(supplier__code__icontains=value)
            | Q(supplier__name__icontains=value)
            | Q(Exists(on_a_line))
        )

    def filter_sku(self, queryset, name, value):
        return queryset.filter(
            Exists(PurchaseOrderLine.objects.filter(purchase_order=OuterRef("pk"), sku__code=value))
        )


class DiscrepancyFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    purchase_order = django_filters.CharFilter(
        field_name="purchase_order__number", label="PO number"
    )
    code = django_filters.MultipleChoiceFilter(choices=DiscrepancyCode.choices)
    sku = django_filters.CharFilter(field_name="sku__code", label="SKU code")
    warehouse = django_filters.CharFilter(
        field_name="purchase_order__warehouse__code", label="Warehouse code"
    )
    supplier = django_filters.CharFilter(
        field_name="purchase_order__supplier__code", label="Supplier code"
    )
    resolved = django_filters.BooleanFilter(
        field_name="resolved_at", lookup_expr="isnull", exclude=True, label="Resolved"
    )
    sort = django_filters.OrderingFilter(
        fields=(
            ("created_at", "created"),
            ("code", "code"),
            ("sku__code", "sku"),
            ("purchase_order__number", "purchase_order"),
            ("quantity", "quantity"),
        ),
        label="Sort by",
    )

    class Meta:
        model = Discrepancy
        fields = ["q", "purchase_order", "code", "sku", "warehouse", "supplier", "resolved"]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(purchase_order__number__icontains=value)
            | Q(sku__code__icontains=value)
            | Q(sku__name__icontains=value)
            | Q(detail__icontains=value)
            | Q(resolution_note__icontains=value)
        )


class PutawayTaskFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    status = django_filters.MultipleChoiceFilter(choices=PutawayStatus.choices)
    warehouse = django_filters.CharFilter(field_name="warehouse__code", label="Warehouse code")
    sku = django_filters.CharFilter(field_name="sku__code", label="SKU code")
    purchase_order = django_filters.CharFilter(
        field_name="purchase_order__number", label="PO number"
    )
    sort = django_filters.OrderingFilter(
        fields=(
            ("created_at", "created"),
            ("suggested_location__travel_cost", "walk"),
            ("sku__code", "sku"),
            ("quantity", "quantity"),
        ),
        label="Sort by",
    )

    class Meta:
        model = PutawayTask
        fields = ["q", "status", "warehouse", "sku", "purchase_order"]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(sku__code__icontains=value)
            | Q(sku__barcode=value)
            | Q(sku__name__icontains=value)
            | Q(lot__lot_number__icontains=value)
            | Q(suggested_location__code__iexact=value)
            | Q(purchase_order__number__icontains=value)
        )
