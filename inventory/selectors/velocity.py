"""Reads of stored SKU velocity for the velocity screen: the rows come from
`inventory.selectors.stock.velocity_list`; this module adds the figures per ABC class."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Max, QuerySet, Sum

from inventory.models import AbcClass, SkuVelocity


@dataclass(frozen=True)
class ClassFigures:
    abc: str
    label: str
    rows: int  # SKU-and-warehouse rows in the class
    picks_30d: int
    picks_90d: int
    units_90d: int
    share: float  # percent of the picks (90 d) of every class shown


@dataclass(frozen=True)
class VelocityClasses:
    classes: list[ClassFigures]  # A, B, C, each present (zero when empty)
    computed_at: datetime.datetime | None  # the newest recompute among the rows

    @property
    def rows(self) -> int:
        return sum(figures.rows for figures in self.classes)

    def rows_of(self, abc: str | None) -> int:
        """Rows of one class (None: of all of them)."""
        if not abc:
            return self.rows
        return next((f.rows for f in self.classes if f.abc == abc), 0)


def velocity_classes(rows: QuerySet[SkuVelocity]) -> VelocityClasses:
    """Rows, picks and units per ABC class of `rows` (already scoped and filtered), in one
    query grouped by class."""
    grouped = {
        row["abc"]: row
        for row in rows.order_by()
        .values("abc")
        .annotate(
            rows=Count("pk"),
            picks_30d=Sum("picks_30d"),
            picks_90d=Sum("picks_90d"),
            units_90d=Sum("units_90d"),
            computed_at=Max("computed_at"),
        )
    }
    total = sum(row["picks_90d"] or 0 for row in grouped.values())
    classes = []
    for abc in AbcClass:
        row = grouped.get(abc.value, {})
        picks = row.get("picks_90d") or 0
        classes.append(
            ClassFigures(
                abc=abc.value,
                label=abc.label,
                rows=row.get("rows", 0),
                picks_30d=row.get("picks_30d") or 0,
                picks_90d=picks,
                units_90d=row.get("units_90d") or 0,
                share=round(100 * picks / total, 1) if total else 0.0,
            )
        )
    stamps = [row["computed_at"] for row in grouped.values() if row["computed_at"]]
    return VelocityClasses(classes=classes, computed_at=max(stamps) if stamps else None)
