"""What the receiving screens share beyond ims.kits.screens: the not-found page, redirects."""

from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme


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
