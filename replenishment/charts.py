"""The SKU page's small chart: projected stock over the coming days against the reorder point
in force on each day (seasons make the point step up and down), drawn as inline SVG.

Projected stock falls by the SKU's recent demand (units picked per day over the last 30 days
in that warehouse); stock already on order is in today's figure, so it does not rise again. The
first day the line meets the point is when the alert will be raised; ordering `lead_time_days`
before that keeps the shelf from running empty.
"""

import datetime
from dataclasses import dataclass

from replenishment.seasons import threshold_on

WIDTH, HEIGHT, PAD = 300, 90, 4


@dataclass(frozen=True)
class ProjectionChart:
    days: int
    projected_path: str
    point_path: str
    zero_y: float
    reach_day: int | None  # days from today until projected meets the point (0: today)
    reach_date: datetime.date | None
    order_by: datetime.date | None
    summary: str
    high: int
    width: int = WIDTH
    height: int = HEIGHT


def projection_chart(
    *,
    rule,
    projected: int,
    daily_demand: float,
    today: datetime.date,
    days: int = 90,
) -> ProjectionChart:
    """`rule` gives the point in force per day (its seasons) and the lead time."""
    projected_values = [projected - daily_demand * day for day in range(days + 1)]
    seasons = rule.seasons  # parsed once, not once a day
    points = [
        threshold_on(
            reorder_point=rule.reorder_point,
            reorder_quantity=rule.reorder_quantity,
            seasons=seasons,
            on=today + datetime.timedelta(days=day),
        ).reorder_point
        for day in range(days + 1)
    ]
    high = max(max(points), projected, 1)
    low = min(0.0, min(projected_values))
    span = high - low or 1

    def x(day: int) -> float:
        return round(day * WIDTH / days, 1)

    def y(value: float) -> float:
        return round(PAD + (HEIGHT - 2 * PAD) * (1 - (value - low) / span), 1)

    projected_path = "M" + " L".join(
        f"{x(day)},{y(value)}" for day, value in enumerate(projected_values)
    )
    # A step line: the point holds until the day it changes.
    steps = [f"M0,{y(points[0])}"]
    for day in range(1, days + 1):
        if points[day] != points[day - 1]:
            steps.append(f"L{x(day)},{y(points[day - 1])} L{x(day)},{y(points[day])}")
    steps.append(f"L{WIDTH},{y(points[-1])}")
    reach_day = next((day for day in range(days + 1) if projected_values[day] <= points[day]), None)
    reach_date = today + datetime.timedelta(days=reach_day) if reach_day is not None else None
    order_by = (
        max(today, reach_date - datetime.timedelta(days=rule.lead_time_days))
        if reach_date
        else None
    )
    if reach_day == 0:
        summary = f"Projected {projected} is at or below the reorder point {points[0]} today."
    elif reach_day is not None:
        summary = (
            f"At {daily_demand:.1f} units a day, projected stock ({projected} now) reaches the "
            f"reorder point on {reach_date:%d %b} (in {reach_day} days)."
        )
    elif daily_demand:
        summary = (
            f"At {daily_demand:.1f} units a day, projected stock ({projected} now) stays above "
            f"the reorder point for the next {days} days."
        )
    else:
        summary = f"No picks in the last 30 days: projected stock stays at {projected}."
    return ProjectionChart(
        days=days,
        projected_path=projected_path,
        point_path=" ".join(steps),
        zero_y=y(0),
        reach_day=reach_day,
        reach_date=reach_date,
        order_by=order_by,
        summary=summary,
        high=high,
    )
