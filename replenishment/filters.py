"""FilterSets shared by the replenishment screens and API (DESIGN.md, "Layout").

Natural keys (codes, PO numbers) match exactly, so an unknown one yields an empty list; `q` is
the screens' free-text search (the API accepts it too).
"""

import django_filters
from django.db.models import Q

from inventory.filters import UtcDateTimeFilter
from replenishment.models import AlertStatus, ReorderRule, ReplenishmentAlert


def _search(queryset, value: str):
    return queryset.filter(
        Q(sku__code__icontains=value) | Q(sku__name__icontains=value) | Q(sku__barcode=value)
    )


class ReorderRuleFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    sku = django_filters.CharFilter(field_name="sku__code", label="SKU code")
    warehouse = django_filters.CharFilter(field_name="warehouse__code", label="Warehouse code")
    supplier = django_filters.CharFilter(field_name="supplier__code", label="Supplier code")
    seasonal = django_filters.BooleanFilter(method="filter_seasonal", label="Has seasons")
    armed = django_filters.BooleanFilter(
        field_name="armed", label="Armed (projected above the point at the last check)"
    )

    class Meta:
        model = ReorderRule
        fields = ["q", "sku", "warehouse", "supplier", "seasonal", "armed"]

    def search(self, queryset, name, value):
        return _search(queryset, value)

    def filter_seasonal(self, queryset, name, value):
        return queryset.exclude(seasonal=[]) if value else queryset.filter(seasonal=[])


class ReplenishmentAlertFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    sku = django_filters.CharFilter(field_name="sku__code", label="SKU code")
    warehouse = django_filters.CharFilter(field_name="warehouse__code", label="Warehouse code")
    supplier = django_filters.CharFilter(
        field_name="rule__supplier__code", label="Supplier code (the rule's)"
    )
    status = django_filters.MultipleChoiceFilter(choices=AlertStatus.choices)
    purchase_order = django_filters.CharFilter(
        field_name="purchase_order__number", label="Purchase order number"
    )
    created_after = UtcDateTimeFilter(
        field_name="created_at", lookup_expr="gte", label="Raised at or after"
    )
    created_before = UtcDateTimeFilter(
        field_name="created_at", lookup_expr="lt", label="Raised before"
    )

    class Meta:
        model = ReplenishmentAlert
        fields = [
            "q",
            "sku",
            "warehouse",
            "supplier",
            "status",
            "purchase_order",
            "created_after",
            "created_before",
        ]

    def search(self, queryset, name, value):
        return _search(queryset, value)
