"""`?ordering=` over public field names (the contract's), mapped to database lookups.

DRF's OrderingFilter takes model lookups ("sku__code"); the API says "sku". A view lists
`ordering_aliases = {"sku": "sku__code", ...}`; anything else in `ordering` is ignored, and the
primary key breaks ties so pages never overlap.
"""

from rest_framework.filters import OrderingFilter


class AliasOrderingFilter(OrderingFilter):
    def get_valid_fields(self, queryset, view, context=None):
        aliases = getattr(view, "ordering_aliases", None)
        if aliases is None:
            return super().get_valid_fields(queryset, view, context or {})
        return [(name, name) for name in aliases]

    def filter_queryset(self, request, queryset, view):
        aliases = getattr(view, "ordering_aliases", None)
        ordering = self.get_ordering(request, queryset, view)
        if not ordering:
            return queryset
        if aliases is None:
            return queryset.order_by(*ordering)
        lookups = []
        for term in ordering:
            name = term.removeprefix("-")
            lookup = aliases.get(name, name)
            lookups.append(f"-{lookup}" if term.startswith("-") else lookup)
        return queryset.order_by(*lookups, "pk")
