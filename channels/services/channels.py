"""Channels, their API keys and listings."""

import hashlib
import secrets

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.audit import audit_record
from channels.connectors.endpoints import endpoint_validate
from channels.models import (
    ChannelKey,
    ChannelWarehouse,
    Connector,
    Listing,
    SalesChannel,
)
from channels.sync.outbox import outbox_queue_listings
from ims.kits.inputs import acting_user, is_whole
from inventory.models import Sku, Warehouse

KEY_PREFIX = "ims"


def key_hash(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


def _require_settings(value) -> dict:
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        raise ValidationError({"settings": "Settings are an object of named values."})
    return value


def _require_buffer(value) -> int:
    if not is_whole(value, minimum=0):
        raise ValidationError({"buffer": "The buffer is a whole number of units, 0 or more."})
    return value


def _set_warehouses(channel: SalesChannel, warehouses: list[Warehouse]) -> None:
    seen = set()
    for warehouse in warehouses:
        if warehouse.pk in seen:
            raise ValidationError({"warehouses": f"{warehouse.code} is listed twice."})
        seen.add(warehouse.pk)
    ChannelWarehouse.objects.filter(channel=channel).delete()
    ChannelWarehouse.objects.bulk_create(
        ChannelWarehouse(channel=channel, warehouse=warehouse, priority=index)
        for index, warehouse in enumerate(warehouses)
    )


@transaction.atomic
def channel_create(
    *,
    code: str,
    name: str,
    connector: str = Connector.WEBHOOK,
    endpoint_url: str = "",
    secret: str = "",
    settings: dict | None = None,
    buffer: int = 0,
    warehouses: list[Warehouse] = (),
    active: bool = True,
    actor=None,
) -> SalesChannel:
    """A channel selling from `warehouses`, in that priority order. The creation is written in
    the audit log with `actor` (credentials masked)."""
    channel = SalesChannel(
        code=(code or "").strip(),
        name=(name or "").strip(),
        connector=connector,
        endpoint_url=(endpoint_url or "").strip(),
        secret=secret or "",
        settings=_require_settings(settings or {}),
        buffer=_require_buffer(buffer),
        active=active,
    )
    channel.full_clean()
    endpoint_validate(channel.endpoint_url)
    channel.save()
    _set_warehouses(channel, list(warehouses))
    _audit(channel, "create", actor, after=_snapshot(channel))
    return channel


def _snapshot(channel: SalesChannel) -> dict:
    """What the audit log compares: every configurable field, the warehouses in order."""
    return {
        "name": channel.name,
        "connector": channel.connector,
        "endpoint_url": channel.endpoint_url,
        "secret": channel.secret,
        "settings": dict(channel.settings),
        "buffer": channel.buffer,
        "warehouses": ",".join(
            ChannelWarehouse.objects.filter(channel=channel)
            .order_by("priority")
            .values_list("warehouse__code", flat=True)
        ),
        "active": channel.active,
    }


def _audit(channel: SalesChannel, action: str, actor, before=None, after=None) -> None:
    audit_record(
        actor=actor,
        action=action,
        object_type="channel",
        obj=channel,
        object_repr=channel.code,
        before=before,
        after=after,
    )


_UNSET = object()


@transaction.atomic
def channel_update(
    *,
    channel: SalesChannel,
    name=_UNSET,
    connector=_UNSET,
    endpoint_url=_UNSET,
    secret=_UNSET,
    settings=_UNSET,
    buffer=_UNSET,
    warehouses=_UNSET,
    active=_UNSET,
    actor=None,
) -> SalesChannel:
    """Change a channel; the code is its natural key and never changes. `settings` are merged
    into the stored ones (so write-only credentials survive an edit that does not repeat them);
    a setting given as null or "" is removed. `warehouses` replaces the priority list."""
    channel = SalesChannel.objects.select_for_update().get(pk=channel.pk)
    before = _snapshot(channel)
    for field, value in (
        ("name", name),
        ("connector", connector),
        ("endpoint_url", endpoint_url),
        ("secret", secret),
        ("active", active),
    ):
        if value is not _UNSET:
            setattr(channel, field, value.strip() if isinstance(value, str) else value)
    if buffer is not _UNSET:
        channel.buffer = _require_buffer(buffer)
    if settings is not _UNSET:
        merged = {**channel.settings, **_require_settings(settings)}
        channel.settings = {k: v for k, v in merged.items() if v not in (None, "")}
    channel.full_clean()
    if endpoint_url is not _UNSET:
        endpoint_validate(channel.endpoint_url)
    channel.save()
    if warehouses is not _UNSET:
        _set_warehouses(channel, list(warehouses))
    after = _snapshot(channel)
    _audit(channel, "update", actor, before=before, after=after)
    if channel.active and any(before[name] != after[name] for name in _PUSH_AGAIN_ON):
        outbox_queue_listings(channel_id=channel.pk)
    return channel


# Changes after which every listing's availability is pushed again (in the same transaction):
# what the channel may sell changed (buffer, warehouses), it was switched on, or it points at
# another storefront or location (connector, endpoint, settings).
_PUSH_AGAIN_ON = ("buffer", "warehouses", "active", "connector", "endpoint_url", "settings")


@transaction.atomic
def channel_key_create(
    *, channel: SalesChannel, name: str = "", actor: AbstractBaseUser | None = None
) -> tuple[ChannelKey, str]:
    """Issue an API key for `channel`. Returns the row and the key itself, which is shown this
    once: only its SHA-256 is stored."""
    for _ in range(5):
        prefix = secrets.token_hex(4)
        if not ChannelKey.objects.filter(prefix=prefix).exists():
            break
    raw = f"{KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    key = ChannelKey.objects.create(
        channel=channel,
        name=(name or "").strip()[:100],
        prefix=prefix,
        key_hash=key_hash(raw),
        created_by=acting_user(actor),
    )
    _audit(channel, "key_create", actor, after={"key_prefix": key.prefix, "key_name": key.name})
    return key, raw


@transaction.atomic
def channel_key_revoke(*, key: ChannelKey, actor=None) -> ChannelKey:
    """Stop a key working at once. Revoking a revoked key changes nothing."""
    revoked = ChannelKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    key.refresh_from_db()
    if revoked:
        _audit(key.channel, "key_revoke", actor, before={"key_prefix": key.prefix})
    return key


def listing_create(
    *, channel: SalesChannel, sku: Sku, external_id: str = "", actor=None
) -> Listing:
    """List `sku` on `channel` under the channel's own id for it (unique per channel)."""
    listing = Listing(channel=channel, sku=sku, external_id=(external_id or "").strip())
    listing.full_clean()
    try:
        with transaction.atomic():
            listing.save()
            outbox_queue_listings(channel_id=channel.pk, sku_ids=[sku.pk])
            _audit(
                channel,
                "listing_create",
                actor,
                after={"sku": sku.code, "external_id": listing.external_id},
            )
    except IntegrityError as exc:  # a concurrent request listed the same SKU or id
        raise ValidationError(
            {"sku": f"{sku.code} or external id {external_id!r} is already listed."}
        ) from exc
    return listing
