"""Cycle counts on a schedule by ABC class: A weekly, B monthly, C quarterly
(`IMS_COUNT_EVERY_DAYS`, default {"A": 7, "B": 30, "C": 90}).

Each day (a django-q2 schedule, and on demand) a warehouse opens counts for its share of each
class: a class of n SKUs counted every d days opens ceil(n / d) counts a day, for the SKUs whose
last count is oldest (never counted first) and at least d days old. So the counting spreads
evenly over the period instead of landing on one day, and every SKU comes round within it. A
count is by SKU (every bin holding it) and is given to the warehouse's least busy associate.
A SKU already being counted is left for another day.
"""

from __future__ import annotations

import datetime
import math
from collections import defaultdict

from django.conf import settings
from django.db.models import Max
from django.utils import timezone

from inventory.models import (
    LINE_BUSY,
    AbcClass,
    BinStock,
    CountOrigin,
    CycleCountLine,
    LocationType,
    Sku,
    SkuVelocity,
    Warehouse,
)
from inventory.services.counts import count_create

Key = tuple[int, int]  # (sku_id, warehouse_id)
DEFAULT_EVERY_DAYS = {"A": 7, "B": 30, "C": 90}


def count_every_days() -> dict[str, int]:
    configured = getattr(settings, "IMS_COUNT_EVERY_DAYS", None) or {}
    return {klass: int(configured.get(klass, days)) for klass, days in DEFAULT_EVERY_DAYS.items()}


def count_schedule_plan(*, warehouses: list[int] | None = None, now=None) -> list[dict]:
    """Per warehouse and class: how often, how many SKUs, how many are due, the oldest last
    count, and today's share. Four queries, whatever the number of SKUs."""
    now = now or timezone.now()
    every = count_every_days()
    plan = []
    for warehouse, klass, due, skus, oldest in _classified(warehouses, now, every):
        plan.append(
            {
                "warehouse": warehouse.code,
                "abc": klass,
                "every_days": every[klass],
                "skus": skus,
                "due": len(due),
                "today": min(len(due), math.ceil(skus / every[klass])) if skus else 0,
                "last_counted": oldest,
            }
        )
    return plan


def count_schedule_generate(
    *, warehouses: list[int] | None = None, now=None, actor=None
) -> dict[str, int]:
    """Open today's scheduled counts; returns how many were opened per class."""
    now = now or timezone.now()
    every = count_every_days()
    opened = {klass.value: 0 for klass in AbcClass}
    skus_by_pk = {}
    for warehouse, klass, due, skus, _ in _classified(warehouses, now, every):
        share = math.ceil(skus / every[klass]) if skus else 0
        chosen = due[:share]
        skus_by_pk.update(
            Sku.objects.in_bulk([sku_id for sku_id in chosen if sku_id not in skus_by_pk])
        )
        for sku_id in chosen:
            count_create(
                warehouse=warehouse,
                sku=skus_by_pk[sku_id],
                origin=CountOrigin.SCHEDULE,
                reason=f"Class {klass}: counted every {every[klass]} days",
                actor=actor,
            )
            opened[klass] += 1
    return opened


def _classified(warehouses, now, every):
    """(warehouse, class, due SKU ids oldest first, SKUs in the class, oldest last count) for
    each warehouse and class."""
    stocked = BinStock.objects.filter(quantity__gt=0).exclude(location__type=LocationType.ZONE)
    counted = CycleCountLine.objects.filter(counted_at__isnull=False)
    busy = CycleCountLine.objects.filter(status__in=LINE_BUSY)
    velocity = SkuVelocity.objects.all()
    places = Warehouse.objects.order_by("code")
    if warehouses is not None:
        stocked = stocked.filter(location__warehouse_id__in=warehouses)
        counted = counted.filter(warehouse_id__in=warehouses)
        busy = busy.filter(warehouse_id__in=warehouses)
        velocity = velocity.filter(warehouse_id__in=warehouses)
        places = places.filter(pk__in=warehouses)
    keys = set(stocked.values_list("sku_id", "location__warehouse_id").order_by().distinct())
    classes = {
        (sku_id, wh_id): abc
        for sku_id, wh_id, abc in velocity.values_list("sku_id", "warehouse_id", "abc")
    }
    last = {
        (sku_id, wh_id): at
        for sku_id, wh_id, at in counted.values("sku_id", "warehouse_id")
        .annotate(at=Max("counted_at"))
        .values_list("sku_id", "warehouse_id", "at")
        .order_by()
    }
    being_counted = set(busy.values_list("sku_id", "warehouse_id").order_by().distinct())
    groups: dict[tuple[int, str], list[Key]] = defaultdict(list)
    for key in keys:
        groups[(key[1], classes.get(key, AbcClass.C))].append(key)
    never = datetime.datetime.min.replace(tzinfo=datetime.UTC)
    for warehouse in places:
        for klass in AbcClass.values:
            members = groups.get((warehouse.pk, klass), [])
            since = now - datetime.timedelta(days=every[klass])
            due = sorted(
                (
                    key
                    for key in members
                    if key not in being_counted and last.get(key, never) <= since
                ),
                key=lambda key: (last.get(key, never), key[0]),
            )
            stamps = [last[key] for key in members if key in last]
            oldest = None if len(stamps) < len(members) or not stamps else min(stamps)
            yield warehouse, klass, [key[0] for key in due], len(members), oldest
