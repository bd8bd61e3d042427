"""Demo data for channels and orders, called by `manage.py seed_demo` (a step of its own).

Three channels (a webhook storefront, a Shopify-style and a WooCommerce-style shop, their
endpoints pointing nowhere real), listings for a share of the SKUs, and orders placed through
the real intake service, then moved along the real picking services: some reserved, some being
picked, picked, shipped, cancelled, one short pick (with its count request) and one unpaid hold.
Every unit is explained by the ledger, so `stock_audit` stays clean.
"""

import datetime
import random

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Sum
from django.utils import timezone

from channels.models import PickTaskStatus, SalesChannel
from channels.services import (
    OrderLineRequest,
    channel_create,
    listing_create,
    order_cancel,
    order_create,
    order_ship,
    pick_task_confirm,
)
from inventory.errors import InsufficientStock
from inventory.models import Sku, Warehouse, WarehouseStock

CHANNELS = [
    # code, name, connector, endpoint, settings, buffer, share of SKUs listed
    (
        "WEB",
        "Brand webshop",
        "webhook",
        "https://storefront.example/ims/webhook",
        {},
        0,
        0.6,
    ),
    (
        "SHOPIFY",
        "Shopify store",
        "shopify",
        "https://ims-demo.myshopify.example",
        {
            "access_token": "shpat_demo",
            "location_id": "gid://shopify/Location/1",
            "api_version": "2026-10",
        },
        2,
        0.4,
    ),
    (
        "WOO",
        "WooCommerce outlet",
        "woocommerce",
        "https://outlet.example/wp-json/wc/v3",
        {"consumer_key": "ck_demo", "consumer_secret": "cs_demo"},
        1,
        0.3,
    ),
]


def seed_channels_and_orders(
    *,
    rng: random.Random,
    warehouses: list[Warehouse],
    skus: list[Sku],
    orders: int = 40,
    actor: AbstractBaseUser | None = None,
) -> dict[str, int]:
    """Create the demo channels, listings and orders; does nothing when channel WEB exists.
    `warehouses` in priority order (the first is the main one). Returns what it made."""
    if SalesChannel.objects.filter(code="WEB").exists() or not warehouses or not skus:
        return {}
    main, *others = warehouses
    sources = {"WEB": warehouses, "SHOPIFY": [main], "WOO": [*others, main]}
    channels = []
    for code, name, connector, endpoint, settings, buffer, share in CHANNELS:
        channel = channel_create(
            code=code,
            name=name,
            connector=connector,
            endpoint_url=endpoint,
            secret=f"demo-secret-{code.lower()}",
            settings=settings,
            buffer=buffer,
            warehouses=sources[code],
        )
        channels.append(channel)
        for sku in rng.sample(skus, max(1, int(len(skus) * share))):
            listing_create(channel=channel, sku=sku, external_id=f"{code.lower()}-{sku.pk}")

    in_stock = list(
        Sku.objects.filter(
            active=True,
            pk__in=WarehouseStock.objects.filter(warehouse__in=warehouses, on_hand__gt=5).values(
                "sku_id"
            ),
        ).order_by("code")
    )
    if not in_stock:
        return {"channels": len(channels)}
    placed = []
    now = timezone.now()
    for n in range(orders):
        channel = channels[n % len(channels)]
        lines = [
            OrderLineRequest(sku, rng.randint(1, 3))
            for sku in rng.sample(in_stock, min(len(in_stock), rng.randint(1, 3)))
        ]
        hold = now + datetime.timedelta(minutes=45) if n == orders - 1 else None
        try:
            order, _ = order_create(
                channel=channel,
                external_id=f"{channel.code}-{1000 + n}",
                lines=lines,
                expires_at=hold,
                actor=actor,
            )
        except InsufficientStock:
            continue
        placed.append(order)

    made = {"channels": len(channels), "orders": len(placed), "shipped": 0, "short": 0}
    for index, order in enumerate(placed[:-1]):  # the last one is the unpaid hold
        fate = index % 10
        tasks = list(order.pick_tasks.filter(status=PickTaskStatus.OPEN).order_by("sequence"))
        if fate in (0, 1, 2):  # still reserved: nothing picked yet
            continue
        if fate == 3:
            order_cancel(order=order, reason="Customer cancelled.", actor=actor)
            continue
        if fate == 4 and made["short"] == 0:  # ghost stock: the bin held one unit less
            first = tasks[0]
            pick_task_confirm(task=first, quantity=first.quantity - 1, actor=first.assignee)
            made["short"] += 1
            continue
        if fate == 5:  # being picked: the first pick done
            pick_task_confirm(task=tasks[0], quantity=tasks[0].quantity, actor=tasks[0].assignee)
            continue
        for task in tasks:
            pick_task_confirm(task=task, quantity=task.quantity, actor=task.assignee)
        if fate >= 7:
            order_ship(order=order, actor=actor)
            made["shipped"] += 1
    made["reserved_units"] = (
        WarehouseStock.objects.filter(warehouse__in=warehouses).aggregate(n=Sum("reserved"))["n"]
        or 0
    )
    return made
