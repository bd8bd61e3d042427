"""Reads of inventory accuracy: ghost stock, the count accuracy KPI and shrinkage.

- Ghost stock: units the books held that were not in the bin. Either a found discrepancy
  written down by a short pick (an `adjust` row out of a bin whose reason starts with
  FOUND_DISCREPANCY) or a negative count variance (a `count` row out of a bin).
- Accuracy: the share of counted bin-lines whose count agreed with the books, per week. A line
  is counted once its count is submitted (`counted_at`). An open count's lines are blind and
  have no `counted_at`, so nothing here can show what they expect.
- Shrinkage: net units lost through found discrepancies and count variances (losses minus
  gains), per month. Their value uses the SKU's last purchase-order unit cost
  (`inventory.events.unit_cost`). A unit whose cost is unknown is valued at 0, and the rows
  valued so are counted, so the screen can say so.

Every function is one query, aggregated in the database (TruncWeek / TruncMonth). Python only
fills in the empty weeks and months.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateField,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncMonth, TruncWeek
from django.utils import timezone

from ims.kits.roles import in_scope
from inventory import events
from inventory.models import (
    CountLineStatus,
    CycleCountLine,
    MovementKind,
    Sku,
    StockMovement,
)

# How the picking code (channels/services/picking/short.py) starts the reason of a found
# discrepancy's adjustment. It lives here because the stock engine reads it and imports no app
# above it; channels imports it from here.
FOUND_DISCREPANCY = "Found discrepancy"

GHOST_DAYS = 30
ACCURACY_WEEKS = 8
SHRINKAGE_MONTHS = 6

_MONEY = DecimalField(max_digits=16, decimal_places=4)


def discrepancy_rows() -> Q:
    """Ledger rows that correct the books to what was found: count variances and found
    discrepancies, in either direction."""
    return Q(kind=MovementKind.COUNT) | Q(
        kind=MovementKind.ADJUST, reason__startswith=FOUND_DISCREPANCY
    )


def _loss() -> Q:
    """A row out of a bin into nothing: units the books lose."""
    return Q(from_location__isnull=False, to_location__isnull=True)


def _counted_since() -> Exists:
    """The bin and SKU of the outer movement were counted after it: a count has checked it."""
    return Exists(
        CycleCountLine.objects.filter(
            warehouse=OuterRef("warehouse"),
            sku=OuterRef("sku"),
            location=OuterRef("from_location"),
            counted_at__gt=OuterRef("created_at"),
        )
    )


def _awaiting_count() -> Q:
    """A found discrepancy whose bin has not been counted since. A count variance is itself the
    count."""
    return Q(kind=MovementKind.ADJUST) & ~Q(_counted_since())


def _ghost_rows(*, warehouses=None, sku: Sku | None = None, since=None) -> QuerySet:
    rows = StockMovement.objects.filter(discrepancy_rows(), _loss())
    if sku is not None:
        rows = rows.filter(sku=sku)
    if since is not None:
        rows = rows.filter(created_at__gte=since)
    return in_scope(rows, warehouses)


def ghost_stock_list(
    *, warehouses=None, sku: Sku | None = None, since: datetime.datetime | None = None
) -> QuerySet[StockMovement]:
    """Ghost-stock events, newest first: found discrepancies and negative count variances in
    `warehouses` (ids; None: all), of one SKU or all. Each row has `awaiting_count`: a found
    discrepancy whose bin has not been counted since. One query for any slice."""
    return (
        _ghost_rows(warehouses=warehouses, sku=sku, since=since)
        .select_related("sku", "warehouse", "lot", "from_location", "actor")
        .annotate(awaiting_count=ExpressionWrapper(_awaiting_count(), output_field=BooleanField()))
        .order_by("-created_at", "-id")
    )


@dataclass(frozen=True)
class GhostSummary:
    days: int
    since: datetime.datetime  # the start of those days (list the rows from here)
    events: int
    units: int
    skus: int
    awaiting_count: int  # found discrepancies whose bin has not been counted since


def ghost_stock_summary(*, days: int = GHOST_DAYS, warehouses=None) -> GhostSummary:
    """The ghost stock of the last `days` days, in one aggregate query."""
    since = timezone.now() - datetime.timedelta(days=days)
    figures = _ghost_rows(warehouses=warehouses, since=since).aggregate(
        events=Count("pk"),
        units=Coalesce(Sum("quantity"), 0),
        skus=Count("sku", distinct=True),
        awaiting=Count("pk", filter=_awaiting_count()),
    )
    return GhostSummary(
        days=days,
        since=since,
        events=figures["events"],
        units=figures["units"],
        skus=figures["skus"],
        awaiting_count=figures["awaiting"],
    )


# ---------- accuracy per week ----------


@dataclass(frozen=True)
class WeekAccuracy:
    week: datetime.date  # the Monday it starts on (local time)
    counted: int  # bin-lines counted that week
    exact: int  # of which the count agreed with the books

    @property
    def percent(self) -> float | None:
        return round(100 * self.exact / self.counted, 1) if self.counted else None


@dataclass(frozen=True)
class AccuracyReport:
    weeks: list[WeekAccuracy]  # oldest first; a week without counts has counted == 0

    @property
    def counted(self) -> int:
        return sum(week.counted for week in self.weeks)

    @property
    def exact(self) -> int:
        return sum(week.exact for week in self.weeks)

    @property
    def percent(self) -> float | None:
        return round(100 * self.exact / self.counted, 1) if self.counted else None


def week_start(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def accuracy_by_week(
    *, weeks: int = ACCURACY_WEEKS, warehouses=None, today: datetime.date | None = None
) -> AccuracyReport:
    """Counted bin-lines and those with no variance, per week, for the last `weeks` weeks
    (this one included). One query grouped by week."""
    first = week_start(today or timezone.localdate()) - datetime.timedelta(weeks=weeks - 1)
    lines = in_scope(
        CycleCountLine.objects.filter(counted_at__gte=_local_midnight(first)).exclude(
            status=CountLineStatus.OPEN
        ),
        warehouses,
    )
    rows = (
        lines.annotate(week=TruncWeek("counted_at", output_field=DateField()))
        .values("week")
        .annotate(counted=Count("pk"), exact=Count("pk", filter=Q(variance=0)))
        .order_by()
    )
    by_week = {_as_date(row["week"]): row for row in rows}
    points = []
    for offset in range(weeks):
        week = first + datetime.timedelta(weeks=offset)
        row = by_week.get(week, {"counted": 0, "exact": 0})
        points.append(WeekAccuracy(week=week, counted=row["counted"], exact=row["exact"]))
    return AccuracyReport(weeks=points)


# ---------- shrinkage per month ----------


@dataclass(frozen=True)
class MonthShrinkage:
    month: datetime.date  # the first of the month
    units: int  # net units lost: losses minus gains (negative: more found than lost)
    value: Decimal  # those units at the last purchase-order unit cost
    uncosted: int  # rows of a SKU with no known cost, valued at 0


@dataclass(frozen=True)
class ShrinkageReport:
    months: list[MonthShrinkage]  # oldest first

    @property
    def units(self) -> int:
        return sum(month.units for month in self.months)

    @property
    def value(self) -> Decimal:
        return sum((month.value for month in self.months), Decimal("0.00"))

    @property
    def uncosted(self) -> int:
        return sum(month.uncosted for month in self.months)


def month_starts(months: int, today: datetime.date) -> list[datetime.date]:
    """The first days of the last `months` months, oldest first (this month included)."""
    year, month = today.year, today.month
    starts = []
    for _ in range(months):
        starts.append(datetime.date(year, month, 1))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return starts[::-1]


def shrinkage_by_month(
    *, months: int = SHRINKAGE_MONTHS, warehouses=None, today: datetime.date | None = None
) -> ShrinkageReport:
    """Net units lost to found discrepancies and count variances per month, for the last
    `months` months, and their value. One query grouped by month; the unit cost is a subquery
    per row of those kinds, which are few."""
    starts = month_starts(months, today or timezone.localdate())
    signed = Case(
        When(_loss(), then=F("quantity")), default=-F("quantity"), output_field=IntegerField()
    )
    rows = (
        in_scope(StockMovement.objects.filter(discrepancy_rows()), warehouses)
        .filter(created_at__gte=_local_midnight(starts[0]))
        .annotate(
            cost=events.unit_cost(OuterRef("sku_id")),
            month=TruncMonth("created_at", output_field=DateField()),
        )
        .values("month")
        .annotate(
            units=Coalesce(Sum(signed), 0),
            value=Coalesce(
                Sum(signed * Coalesce(F("cost"), Value(0), output_field=_MONEY)),
                Value(0),
                output_field=_MONEY,
            ),
            uncosted=Count("pk", filter=Q(cost__isnull=True)),
        )
        .order_by()
    )
    by_month = {_as_date(row["month"]): row for row in rows}
    points = []
    for start in starts:
        row = by_month.get(start)
        points.append(
            MonthShrinkage(
                month=start,
                units=row["units"] if row else 0,
                value=_money(row["value"]) if row else Decimal("0.00"),
                uncosted=row["uncosted"] if row else 0,
            )
        )
    return ShrinkageReport(months=points)


def _as_date(value) -> datetime.date:
    """A truncated date as the backend gives it (a date; a datetime on some backends)."""
    return value.date() if isinstance(value, datetime.datetime) else value


def _money(value) -> Decimal:
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))
