"""`?ordering=` over public field names (the contract's), mapped to database lookups.

DRF's OrderingFilter takes model lookups ("sku__code"); the API says "sku". A view lists
`ordering_aliases = {"sku": "sku__code", ...}`; anything else in `ordering` is ignored, and the
primary key breaks ties so pages never overlap.
"""

from rest_framework.filters import OrderingFilter


def _aliases(view) -> dict | None:
    """The view's ordering names for this action: an extra action listing other rows (a
    channel's listings) names its own in `action_ordering_aliases`, never the view's."""
    by_action = getattr(view, "action_ordering_aliases", {})
    action = getattr(view, "action", None)
    if action in by_action:
        return by_action[action]
    return getattr(view, "ordering_aliases", None)


class AliasOrderingFilter(OrderingFilter):
    def get_valid_fields(self, queryset, view, context=None):
        aliases = _aliases(view)
        if aliases is None:
            return super().get_valid_fields(queryset, view, context or {})
        return [(name, name) for name in aliases]

    def filter_queryset(self, request, queryset, view):
        aliases = _aliases(view)
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
