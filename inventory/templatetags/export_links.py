"""`{% export_links "stock" %}`: the list screens' "Export CSV · XLSX" pair, for the people who
may export that kind (its ImportKind.export_roles), carrying the list's current filters.

    {% load export_links %}
    <div class="actions">{% export_links "purchase_orders" %}</div>

The links are written with the filters of the page as rendered; a filter changed since (htmx
swaps the results and pushes the new address) is picked up from the address when one is
clicked (templates/partials/export_links.html).
"""

from django import template
from django.urls import reverse

from inventory.imports import import_kinds
from inventory.imports.exports import FORMATS

register = template.Library()

_NOT_FILTERS = ("format", "page")  # the file's format, and the list's page: not the rows'


@register.inclusion_tag("partials/export_links.html", takes_context=True)
def export_links(context, kind: str):
    request = context["request"]
    export = import_kinds().get(kind)
    if export is None or not export.allows_export(request.user):
        return {"links": []}
    query = request.GET.copy()
    for name in _NOT_FILTERS:
        query.pop(name, None)
    base = reverse("export-download", args=[kind])
    links = []
    for file_format in FORMATS:
        query["format"] = file_format
        links.append(
            {
                "format": file_format,
                "label": file_format.upper(),
                "url": f"{base}?{query.urlencode()}",
            }
        )
    return {"links": links, "label": export.label}
