"""django-filter FilterSets shared by the order screens and the REST API.

Filters take natural keys (channel and SKU codes, usernames) as plain text and match exactly, so
an unknown code yields an empty list rather than an error. `q` is the screens' free-text search.
"""

import django_filters
from django.db.models import Exists, OuterRef, Q

from channels.models import (
    Connector,
    Listing,
    Order,
    OrderLine,
    OrderStatus,
    PickTask,
    PickTaskStatus,
    SalesChannel,
    SyncStatus,
)


class ChannelFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    connector = django_filters.ChoiceFilter(choices=Connector.choices)
    active = django_filters.BooleanFilter(field_name="active")

    class Meta:
        model = SalesChannel
        fields = ["q", "connector", "active"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(code__icontains=value) | Q(name__icontains=value))


class ListingFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    sku = django_filters.CharFilter(field_name="sku__code", label="SKU code")
    external_id = django_filters.CharFilter(field_name="external_id")
    sync_status = django_filters.ChoiceFilter(choices=SyncStatus.choices)

    class Meta:
        model = Listing
        fields = ["q", "sku", "external_id", "sync_status"]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(sku__code__icontains=value)
            | Q(sku__name__icontains=value)
            | Q(external_id__icontains=value)
        )


class OrderFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    channel = django_filters.CharFilter(field_name="channel__code", label="Channel code")
    status = django_filters.ChoiceFilter(choices=OrderStatus.choices)
    external_id = django_filters.CharFilter(field_name="external_id")
    sku = django_filters.CharFilter(method="filter_sku", label="SKU code (any line)")
    warehouse = django_filters.CharFilter(method="filter_warehouse", label="Warehouse code")
    created_from = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__gte", label="Created on or after (date)"
    )
    created_to = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__lte", label="Created on or before (date)"
    )
    on_hold = django_filters.BooleanFilter(
        field_name="expires_at", lookup_expr="isnull", exclude=True, label="Unpaid hold"
    )

    class Meta:
        model = Order
        fields = [
            "q",
            "channel",
            "status",
            "external_id",
            "sku",
            "warehouse",
            "created_from",
            "created_to",
            "on_hold",
        ]

    def search(self, queryset, name, value):
        value = value.strip()
        condition = Q(external_id__icontains=value) | Q(channel__code__iexact=value)
        if value.isdigit() and len(value) < 18:
            condition |= Q(pk=int(value))
        return queryset.filter(condition)

    # Exists() rather than a join: one row per order, whatever the number of matching lines.
    def filter_sku(self, queryset, name, value):
        return queryset.filter(
            Exists(OrderLine.objects.filter(order=OuterRef("pk"), sku__code=value))
        )

    def filter_warehouse(self, queryset, name, value):
        return queryset.filter(
            Exists(OrderLine.objects.filter(order=OuterRef("pk"), warehouse__code=value))
        )


class PickTaskFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=PickTaskStatus.choices)
    assignee = django_filters.CharFilter(field_name="assignee__username", label="Username")
    unassigned = django_filters.BooleanFilter(field_name="assignee", lookup_expr="isnull")
    warehouse = django_filters.CharFilter(field_name="warehouse__code", label="Warehouse code")
    order = django_filters.NumberFilter(field_name="order_id", label="Order id")
    sku = django_filters.CharFilter(field_name="sku__code", label="SKU code")
    location = django_filters.CharFilter(field_name="location__code", label="Bin code")

    class Meta:
        model = PickTask
        fields = ["status", "assignee", "unassigned", "warehouse", "order", "sku", "location"]
