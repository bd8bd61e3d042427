"""Which resource imports which kind of file: `kind → resource`, filled by every app.

An app registers a kind with one line, on its resource class, in its own `resources.py`:

    @register_import("purchase_orders", label="Purchase orders", roles=PURCHASING_ROLES)
    class PurchaseOrderImport(TableImport): ...

Every installed app's `resources` module is imported the first time the registry is read
(as the admin discovers `admin.py`), so no central list needs editing.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.module_loading import autodiscover_modules

from ims.kits.roles import Role, roles_of
from inventory.imports.kind import TableImport

DEFAULT_ROLES = frozenset({Role.ADMIN.value, Role.MANAGER.value})


@dataclass(frozen=True)
class ImportKind:
    name: str
    table: TableImport
    label: str
    roles: frozenset[str]  # who may import
    export_roles: frozenset[str]  # who may export (PRODUCT.md: viewers export every kind)

    def allows(self, user) -> bool:
        return bool(roles_of(user) & self.roles)

    def allows_export(self, user) -> bool:
        return bool(roles_of(user) & self.export_roles)


_kinds: dict[str, ImportKind] = {}
_discovered = False


def register_import(name: str, *, label: str | None = None, roles: Iterable[str] = DEFAULT_ROLES):
    """Class decorator: files of kind `name` are read by the decorated TableImport. `roles` are the
    roles (ims.kits.roles.Role) allowed to import them; superusers hold every role."""

    def decorator(table_class: type[TableImport]) -> type[TableImport]:
        existing = _kinds.get(name)
        if existing is not None and type(existing.table).__qualname__ != table_class.__qualname__:
            raise ValueError(f"Import kind {name!r} is already registered.")
        table = table_class()
        table.name = name
        table.label = label or name.replace("_", " ").capitalize()
        _kinds[name] = ImportKind(
            name=name,
            table=table,
            label=label or name.replace("_", " ").capitalize(),
            roles=frozenset(str(role) for role in roles),
            export_roles=frozenset(str(role) for role in roles) | {Role.VIEWER.value},
        )
        return table_class

    return decorator


def import_kinds() -> dict[str, ImportKind]:
    global _discovered
    if not _discovered:
        autodiscover_modules("resources")
        _discovered = True
    return dict(sorted(_kinds.items()))


def import_kind(name: str) -> ImportKind:
    """The registered kind, or a ValidationError naming the `kind` field."""
    kinds = import_kinds()
    if name not in kinds:
        raise ValidationError(
            {"kind": f"Unknown import kind '{name}'; the kinds are: {', '.join(kinds)}."}
        )
    return kinds[name]
