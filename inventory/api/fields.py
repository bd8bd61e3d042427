"""API fields shared by the apps' serializers."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from inventory.models import Sku


@extend_schema_field({"type": "string", "description": "SKU code or barcode."})
class ScannedSkuField(serializers.Field):
    """A SKU by code, or by barcode (what a scanner at the dock types)."""

    default_error_messages = {
        "invalid": "Must be a SKU code or barcode (text).",
        "does_not_exist": "No SKU with code or barcode {value}.",
    }

    def to_internal_value(self, data):
        if not isinstance(data, str) or not data.strip() or "\x00" in data or len(data) > 64:
            self.fail("invalid")
        value = data.strip()
        sku = Sku.objects.filter(code=value).first() or Sku.objects.filter(barcode=value).first()
        if sku is None:
            self.fail("does_not_exist", value=value)
        return sku

    def to_representation(self, value):
        return value.code
