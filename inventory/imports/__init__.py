"""Import machinery shared by every app: the `kind → TableImport` registry, the streaming file
reader, column mapping, the staging table and the all-or-nothing engine, the ImportJob runner
(inline or django-q2), and exports in the columns an import takes."""

from inventory.imports.kind import TableImport
from inventory.imports.registry import ImportKind, import_kind, import_kinds, register_import

__all__ = ["ImportKind", "TableImport", "import_kind", "import_kinds", "register_import"]
