"""Every 4xx body has "code" and "detail"; validation errors add "errors" (API.md)."""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404
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
        return validation_response(errors)
    if isinstance(exc, exceptions.ValidationError):
        return validation_response(_flatten(exc.detail))
    if isinstance(exc, IntegrityError):
        return Response(
            {"code": "conflict", "detail": "The change conflicts with existing data."},
            status=status.HTTP_409_CONFLICT,
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
    return response
