"""What a locked-out sign-in is answered (settings.AXES_LOCKOUT_CALLABLE, called by axes'
middleware when django-axes refused a sign-in): 429 with Retry-After; the contract's JSON shape
under /api/, the sign-in screen with the reason in words everywhere else."""

import math

from axes.helpers import get_cool_off
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

DEFAULT_WAIT_SECONDS = 60


def lockout_seconds(request: HttpRequest | None = None) -> int:
    """How long a locked-out username and address wait: the cool-off, counted from the failure
    that locked them out (this one)."""
    cool_off = get_cool_off(request)
    return max(1, math.ceil(cool_off.total_seconds())) if cool_off else DEFAULT_WAIT_SECONDS


def lockout_message(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    unit = "minute" if minutes == 1 else "minutes"
    return (
        "Too many failed sign-ins for this username from this address. "
        f"Try again in {minutes} {unit}, or ask an administrator to unlock the account."
    )


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials=None
) -> HttpResponse:
    if original_response is not None and original_response.status_code == 429:
        return original_response  # the API view has already answered in the contract's shape
    seconds = lockout_seconds(request)
    message = lockout_message(seconds)
    if request.path.startswith("/api/"):
        response = JsonResponse({"code": "throttled", "detail": message}, status=429)
    else:
        form = AuthenticationForm(request, initial={"username": _username(credentials)})
        response = render(
            request,
            "registration/login.html",
            {"form": form, "lockout_message": message, "next": request.POST.get("next", "")},
            status=429,
        )
    response["Retry-After"] = str(seconds)
    return response


def _username(credentials) -> str:
    return (credentials or {}).get("username", "") if isinstance(credentials, dict) else ""
