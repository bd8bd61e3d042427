"""What every list screen shares: a sort whitelist (?sort=<key>, ?sort=-<key> descending), the
page size (?per=), pagination, the htmx region a request asks for, and the list context the
sort and pagination partials read (templates/partials/sort_th.html, pagination.html)."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet

PAGE_SIZES = (25, 50, 100)


@dataclass(frozen=True)
class Sorts:
    """A screen's sort keys, each a tuple of fields; an unknown key falls back to `default`
    (which may itself be descending, "-created")."""

    fields: dict[str, tuple[str, ...]]
    default: str

    def apply(self, queryset: QuerySet, requested: str | None) -> tuple[QuerySet, str]:
        """(the queryset in that order, the sort in force). The pk comes last, in the same
        direction, so pages never repeat or skip rows."""
        sort = requested or self.default
        if sort.lstrip("-") not in self.fields:
            sort = self.default
        descending = sort.startswith("-")
        sign = "-" if descending else ""
        fields = [sign + field for field in self.fields[sort.lstrip("-")]]
        return queryset.order_by(*fields, sign + "pk"), sort


def page_size(request, default: int = PAGE_SIZES[0]) -> int:
    """?per= when it is one of PAGE_SIZES, else `default`."""
    try:
        size = int(request.GET.get("per", ""))
    except ValueError:
        return default
    return size if size in PAGE_SIZES else default


def paginate(
    request, queryset, *, default_size: int = PAGE_SIZES[0], count: int | None = None
) -> Page:
    """The requested page (?page=, clamped to the last). `count`: the rows, when the screen has
    counted them with its other figures already (no second COUNT)."""
    paginator = Paginator(queryset, page_size(request, default_size))
    if count is not None:
        paginator.count = count
    return paginator.get_page(request.GET.get("page"))


def list_context(page: Page, *, sort: str = "", **extra) -> dict:
    """The context the list partials read, plus the screen's own names."""
    return {
        "page": page,
        "sort": sort,
        "per": page.paginator.per_page,
        "page_sizes": PAGE_SIZES,
        **extra,
    }


def is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def wants_region(request, target: str) -> bool:
    """An htmx request for one region of the page (its HX-Target)."""
    return request.headers.get("HX-Target") == target
