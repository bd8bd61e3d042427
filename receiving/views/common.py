"""What every receiving screen shares: pagination, htmx partial detection, redirects."""

from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

PAGE_SIZES = (25, 50, 100)


def page_size(request) -> int:
    try:
        size = int(request.GET.get("per", ""))
    except ValueError:
        return PAGE_SIZES[1]
    return size if size in PAGE_SIZES else PAGE_SIZES[1]


def paginate(request, queryset):
    paginator = Paginator(queryset, page_size(request))
    return paginator.get_page(request.GET.get("page"))


def is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def wants_region(request, target: str) -> bool:
    """An htmx request for one region of the page (its HX-Target)."""
    return request.headers.get("HX-Target") == target


def not_found(request, message: str):
    return render(request, "404.html", {"message": message}, status=404)


def back_to(request, fallback: str, **kwargs):
    """Redirect to the form's `next` (a page of this site only), else to `fallback`."""
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(fallback, **kwargs)
