"""Recording a change in the audit log (accounts.models.AuditEntry).

Services call `audit_record` inside their transaction with the values before and after; fields
that did not change are left out, secrets are written as "••••" (set) or "" (not set), never
their value."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction

from accounts.models import AuditEntry
from ims.kits.inputs import acting_user

MASK = "••••"
SECRET_FIELDS = frozenset(
    {
        "secret",
        "password",
        "access_token",
        "consumer_key",
        "consumer_secret",
        "webhook_secret",
        "channel_token",
        "key",
        "key_hash",
    }
)


def mask(field: str, value):
    """What the log may say about `value`: secrets only whether they are set."""
    if field in SECRET_FIELDS or field.rsplit(".", 1)[-1] in SECRET_FIELDS:
        return MASK if value not in (None, "") else ""
    return value


def diff(before: dict, after: dict) -> dict:
    """{field: [before, after]} for every field whose value differs; nested dicts (a channel's
    settings) are compared key by key as "settings.<key>"."""
    changes = {}
    for field in sorted(set(before) | set(after)):
        old, new = before.get(field), after.get(field)
        if not isinstance(old, dict) and not isinstance(new, dict):
            if old != new:
                changes[field] = [mask(field, old), mask(field, new)]
            continue
        # A dict on either side is compared key by key, so a secret inside stays masked. A value
        # on the other side that is not a dict (a list replacing an object, say) has no keys,
        # and is recorded as the field's own change.
        nested = diff(old if isinstance(old, dict) else {}, new if isinstance(new, dict) else {})
        changes.update({f"{field}.{key}": value for key, value in nested.items()})
        old_value = None if isinstance(old, dict) else old
        new_value = None if isinstance(new, dict) else new
        if old_value != new_value:
            changes[field] = [mask(field, old_value), mask(field, new_value)]
    return changes


def audit_record(
    *,
    actor,
    action: str,
    object_type: str,
    obj=None,
    object_repr: str = "",
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEntry | None:
    """Write one entry in the caller's transaction. An update that changed nothing writes
    nothing."""
    _require_transaction()
    change = AuditChange(action, object_type, getattr(obj, "pk", ""), object_repr or str(obj or ""))
    entry = _entry(actor, change, diff(before or {}, after or {}))
    if entry is None:
        return None
    entry.save()
    return entry


@dataclass(frozen=True)
class AuditChange:
    """One change for `audit_record_many`: what `audit_record` takes besides the actor."""

    action: str
    object_type: str
    object_id: object
    object_repr: str
    before: dict | None = None
    after: dict | None = None


def audit_record_many(*, actor, changes: Iterable[AuditChange]) -> int:
    """`audit_record` for many changes by one actor (an import's), in one INSERT (Django splits
    it where the database caps a statement's parameters). Returns how many entries it wrote."""
    _require_transaction()
    entries = []
    for change in changes:
        entry = _entry(actor, change, diff(change.before or {}, change.after or {}))
        if entry is not None:
            entries.append(entry)
    AuditEntry.objects.bulk_create(entries)
    return len(entries)


def _require_transaction() -> None:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_record runs inside the change's transaction")


def _entry(actor, change: AuditChange, changes: dict) -> AuditEntry | None:
    if change.action == "update" and not changes:
        return None
    person = acting_user(actor)
    name = person.get_username() if person else str(actor or "")
    return AuditEntry(
        actor=person,
        actor_name=name[:150],
        action=change.action,
        object_type=change.object_type,
        object_id=str(change.object_id or "")[:64],
        object_repr=change.object_repr[:200],
        changes=changes,
    )
