"""Every 4xx body has "code" and "detail"; validation errors add "errors" (API.md)."""

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError
from django.http import Http404, JsonResponse
from django.views.defaults import page_not_found
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from inventory.errors import StockConflict


def _flatten(detail) -> dict:
    if isinstance(detail, dict):
        return {field: _messages(value) for field, value in detail.items()}
    return {"non_field_errors": _messages(detail)}


def _messages(value) -> list:
    if isinstance(value, list | tuple):
        out = []
        for item in value:
            out.extend([item] if not isinstance(item, dict | list) else [_flatten(item)])
        return [str(m) if not isinstance(m, dict) else m for m in out]
    if isinstance(value, dict):
        return [_flatten(value)]
    return [str(value)]


def _first_message(errors: dict) -> str:
    for field, messages in errors.items():
        for message in messages:
            if isinstance(message, str):
                return message if field == "non_field_errors" else f"{field}: {message}"
    return "The request is not valid."


def validation_response(errors: dict) -> Response:
    return Response(
        {"code": "invalid", "detail": _first_message(errors), "errors": errors},
        status=status.HTTP_400_BAD_REQUEST,
    )


def exception_handler(exc, context):
    if isinstance(exc, StockConflict):
        return Response(
            {"code": exc.code, "detail": exc.detail, **exc.extra}, status=status.HTTP_409_CONFLICT
        )
    if isinstance(exc, DjangoValidationError):
        errors = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        # Model.full_clean() files cross-field errors under "__all__"; the API calls them
        # non_field_errors, as DRF does.
        if NON_FIELD_ERRORS in errors:
            errors = {**errors}
            errors.setdefault("non_field_errors", []).extend(errors.pop(NON_FIELD_ERRORS))
        return validation_response(errors)
    if isinstance(exc, exceptions.ValidationError):
        return validation_response(_flatten(exc.detail))
    if isinstance(exc, SuspiciousOperation):  # e.g. a form body with too many fields
        return Response({"code": "invalid", "detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, IntegrityError):
        return Response(
            {"code": "conflict", "detail": "The change conflicts with existing data."},
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, DataError):
        # Validation bounds every value first; this is the last line of defence (a value the
        # database cannot store), and it is still the client's input, so a 400, not a 500.
        return Response(
            {"code": "invalid", "detail": "A value is out of the range the database can store."},
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, exceptions.APIException):
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        response.data = {
            "code": exc.get_codes() if isinstance(exc.get_codes(), str) else exc.default_code,
            "detail": detail,
        }
        if isinstance(exc, exceptions.Throttled):
            # DRF omits the header when the wait rounds to 0; a 429 always says when to retry.
            response["Retry-After"] = str(max(1, exc.wait or 0))
    return response


def not_found(request, exception=None):
    """handler404: the contract's JSON shape under /api/, Django's page everywhere else."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"code": "not_found", "detail": "No such resource."}, status=status.HTTP_404_NOT_FOUND
        )
    return page_not_found(request, exception)
