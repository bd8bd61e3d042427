"""Import kind of replenishment: reorder rules (inventory.imports).

Columns: sku, warehouse, reorder_point, reorder_quantity (required); lead_time_days, supplier,
pack_size, seasonal (optional). A row states the whole rule of its SKU and warehouse: a new
pair creates the rule, a known one replaces its figures (an empty optional cell clears it).
`seasonal` is written "MM-DD..MM-DD=point/quantity", seasons separated by ";" (e.g.
"11-15..01-31=60/200; 06-01..08-31=10/40"); when the file has no seasonal column, existing
seasons are kept. Written by replenishment.services.reorder_rules_import, set-based.
"""

import json
from functools import partial

from django.core.exceptions import ValidationError
from django.db import connection

from ims.kits.roles import BUYING, EXPORTS, in_scope, warehouse_scope
from inventory.imports import TableImport, cells, register_import
from inventory.imports.kind import (
    Column,
    Reference,
    refuse_other_warehouses,
    sku_column,
    text_column,
    warehouse_column,
)
from inventory.models import Sku, Warehouse
from receiving.models import Supplier
from replenishment.filters import ReorderRuleFilter
from replenishment.models import ReorderRule
from replenishment.seasons import MAX_UNITS, seasons_clean, seasons_from_text, seasons_to_text
from replenishment.services.rules import MAX_LEAD_TIME_DAYS, reorder_rules_import


def read_bounded(value, *, minimum: int, maximum: int) -> int | None:
    number = cells.whole(value, minimum=minimum)
    if number is not None and number > maximum:
        raise ValueError(f"Must be at most {maximum}, not {number}.")
    return number


def bounded_column(name: str, *, minimum: int, maximum: int = MAX_UNITS, **kwargs) -> Column:
    read = partial(read_bounded, minimum=minimum, maximum=maximum)
    return Column(name, read, "integer", **kwargs)


def read_seasons(value) -> str:
    """The cell's seasons, cleaned as the services clean them, as the JSON the rule stores
    ("[]" for an empty cell: no seasons)."""
    try:
        seasons = seasons_clean(seasons_from_text(cells.text(value)))
    except ValidationError as error:
        raise ValueError(" ".join(error.messages)) from None
    return json.dumps([season.as_dict() for season in seasons])


@register_import("reorder_rules", label="Reorder rules", roles=BUYING)
class ReorderRuleImport(TableImport):
    """One row per SKU and warehouse (see the module docstring). A manager imports only rules
    of their own warehouses."""

    columns = (
        sku_column(),
        warehouse_column(),
        bounded_column(
            "reorder_point",
            minimum=0,
            required=True,
            not_blank=True,
            aliases=("point", "reorder level", "min", "min stock", "rop"),
            example=20,
        ),
        bounded_column(
            "reorder_quantity",
            minimum=1,
            required=True,
            not_blank=True,
            aliases=("reorder qty", "order quantity", "quantity", "qty", "eoq"),
            example=60,
        ),
        bounded_column(
            "lead_time_days",
            minimum=0,
            maximum=MAX_LEAD_TIME_DAYS,
            aliases=("lead time", "lead days", "lead time (days)"),
            example=7,
        ),
        text_column(
            "supplier",
            max_length=32,
            aliases=("vendor", "preferred supplier", "supplier code", "vendor code"),
            example="ACME",
        ),
        bounded_column(
            "pack_size",
            minimum=1,
            aliases=("pack", "case size", "units per pack", "case pack"),
            example=12,
        ),
        Column("seasonal", read_seasons, aliases=("seasons",), example="11-15..01-31=60/200"),
    )
    key = ("warehouse", "sku")  # reported on the last: the sku column
    references = (
        Reference("sku", Sku._meta.db_table, "SKU"),
        Reference("warehouse", Warehouse._meta.db_table, "warehouse"),
        Reference("supplier", Supplier._meta.db_table, "supplier"),
    )

    def duplicate_text(self, values, first):
        warehouse, sku = values
        return (
            f"{sku} in {warehouse} appears more than once (first on row {first}): "
            "one rule per SKU and warehouse."
        )

    def check(self, stage, problems, context):
        refuse_other_warehouses(stage, problems, context.actor, BUYING)

    def plan(self, stage):
        rules = connection.ops.quote_name(ReorderRule._meta.db_table)
        updates = stage.count(
            f"EXISTS (SELECT 1 FROM {rules} r WHERE r.sku_id = {{stage}}.sku_id "
            "AND r.warehouse_id = {stage}.warehouse_id)"
        )
        return stage.count() - updates, updates

    def write(self, stage, context):
        reorder_rules_import(stage=stage, actor=context.actor)

    def export_rows(self, *, user, params):
        rules = ReorderRule.objects.order_by("sku__code", "warehouse__code")
        rules = ReorderRuleFilter(
            params, queryset=in_scope(rules, warehouse_scope(user, EXPORTS))
        ).qs
        for *figures, seasonal in rules.values_list(
            "sku__code",
            "warehouse__code",
            "reorder_point",
            "reorder_quantity",
            "lead_time_days",
            "supplier__code",
            "pack_size",
            "seasonal",
        ).iterator(chunk_size=2000):
            yield (*figures, seasons_to_text(seasonal))
