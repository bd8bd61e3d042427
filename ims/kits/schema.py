"""OpenAPI: the contract's error bodies, documented on every operation.

API views use `IMSAutoSchema` (set `schema = IMSAutoSchema()` or inherit `ims.api.views` bases),
so clients and Schemathesis see every 4xx they can receive, each in the shape of API.md.
"""

from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    """Every 4xx body: a machine-readable code and a sentence."""

    code = serializers.CharField()
    detail = serializers.CharField()


class ValidationErrorSerializer(ErrorSerializer):
    """400: the fields at fault, each with its messages."""

    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.JSONField()), required=False
    )


class ShortLineSerializer(serializers.Serializer):
    sku = serializers.CharField()
    requested = serializers.IntegerField()
    available = serializers.IntegerField()


class ConflictSerializer(ErrorSerializer):
    """409: a conflict with the state of stock (`insufficient_stock` names the short lines) or
    of a document (`invalid_state`)."""

    lines = ShortLineSerializer(many=True, required=False)


_WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


class IMSAutoSchema(AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction=direction)
        if direction != "response":
            return responses
        errors = {
            "400": ValidationErrorSerializer,
            "401": ErrorSerializer,
            "403": ErrorSerializer,
            "404": ErrorSerializer,
            # Every operation is rate limited (ims.throttling; the token endpoint also locks a
            # username out after repeated failures): `throttled`, with a Retry-After header.
            "429": ErrorSerializer,
        }
        if self.method in _WRITE_METHODS:
            errors["409"] = ConflictSerializer
            # A body in a media type the operation does not read, or that does not parse as
            # the one it claims (a multipart body without its parts).
            errors["415"] = ErrorSerializer
        for status_code, serializer in errors.items():
            if status_code not in responses:
                responses[status_code] = self._get_response_for_code(serializer, status_code)
        return responses
