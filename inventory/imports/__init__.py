"""Import machinery shared by every app: the `kind → resource` registry, the resource base that
makes a file all-or-nothing, file reading, and the ImportJob runner (inline or django-q2)."""

from inventory.imports.base import ImportResource
from inventory.imports.registry import ImportKind, import_kind, import_kinds, register_import
from inventory.imports.safe_export import FormulaSafeExport

__all__ = [
    "FormulaSafeExport",
    "ImportKind",
    "ImportResource",
    "import_kind",
    "import_kinds",
    "register_import",
]
