"""Seasonal reorder thresholds: month-day ranges with their own reorder point and quantity.

A season runs from `start` to `end` inclusive, both written "MM-DD". When `start` comes after
`end` in the calendar the season spans the new year ("11-15" to "01-31" covers 15 November to
31 January). Seasons of one rule may not overlap, so on any date at most one is in force; outside
every season the rule's own point and quantity apply. Dates are compared as (month, day), so a
season is the same every year; "02-29" is accepted and is simply absent in other years.
"""

import datetime
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError

MONTH_DAY = re.compile(r"^(\d{1,2})-(\d{1,2})$")
LEAP_YEAR = 2000  # a reference year in which every month-day exists
MAX_SEASONS = 24
MAX_UNITS = 1_000_000_000


def parse_month_day(value) -> tuple[int, int]:
    """(month, day) from "MM-DD"; ValueError in words when it is not one."""
    text = str(value or "").strip()
    match = MONTH_DAY.match(text)
    if not match:
        raise ValueError(f"'{text}' is not a month-day: write it as MM-DD, e.g. 11-15.")
    month, day = int(match[1]), int(match[2])
    try:
        datetime.date(LEAP_YEAR, month, day)
    except ValueError:
        raise ValueError(f"'{text}' is not a day of the year.") from None
    return month, day


def format_month_day(month_day: tuple[int, int]) -> str:
    return f"{month_day[0]:02d}-{month_day[1]:02d}"


@dataclass(frozen=True)
class Season:
    start: tuple[int, int]
    end: tuple[int, int]
    reorder_point: int
    reorder_quantity: int

    @property
    def spans_new_year(self) -> bool:
        return self.start > self.end

    def covers(self, day: datetime.date) -> bool:
        month_day = (day.month, day.day)
        if self.spans_new_year:
            return month_day >= self.start or month_day <= self.end
        return self.start <= month_day <= self.end

    def days(self) -> set[int]:
        """The season's days as ordinals of the leap reference year (to find overlaps)."""
        first = datetime.date(LEAP_YEAR, *self.start).timetuple().tm_yday
        last = datetime.date(LEAP_YEAR, *self.end).timetuple().tm_yday
        if first <= last:
            return set(range(first, last + 1))
        return set(range(first, 367)) | set(range(1, last + 1))

    @property
    def label(self) -> str:
        """The season as screens and e-mails name it: "15 Nov - 31 Jan"."""
        start = datetime.date(LEAP_YEAR, *self.start)
        end = datetime.date(LEAP_YEAR, *self.end)
        return f"{start.day} {start:%b} \u2013 {end.day} {end:%b}"

    def as_dict(self) -> dict:
        return {
            "start": format_month_day(self.start),
            "end": format_month_day(self.end),
            "reorder_point": self.reorder_point,
            "reorder_quantity": self.reorder_quantity,
        }


@dataclass(frozen=True)
class Threshold:
    """The reorder point and quantity in force on `on`, and the season they come from (None:
    the rule's own figures)."""

    on: datetime.date
    reorder_point: int
    reorder_quantity: int
    season: Season | None

    @property
    def source(self) -> str:
        return f"season {self.season.label}" if self.season else "all year"


def _whole(value, *, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError("must be a whole number")
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ValueError(f"'{value}' is not a whole number") from None
    if number < minimum:
        raise ValueError(f"must be at least {minimum}")
    if number > MAX_UNITS:
        raise ValueError(f"must be at most {MAX_UNITS}")
    return number


def seasons_clean(value) -> list[Season]:
    """Validate seasons given as [{start, end, reorder_point, reorder_quantity}] (the API's
    shape). Raises ValidationError({"seasonal": [messages]}) naming each bad season by its
    position; returns them sorted by start date."""
    if value in (None, ""):
        return []
    if not isinstance(value, list | tuple):
        raise ValidationError({"seasonal": "Must be a list of seasons."})
    if len(value) > MAX_SEASONS:
        raise ValidationError({"seasonal": f"At most {MAX_SEASONS} seasons per rule."})
    problems: list[str] = []
    seasons: list[tuple[int, Season]] = []
    for number, item in enumerate(value, 1):
        if not isinstance(item, dict):
            problems.append(
                f"Season {number}: must be an object with start, end, "
                "reorder_point and reorder_quantity."
            )
            continue
        fields: dict = {}
        for key in ("start", "end"):
            try:
                fields[key] = parse_month_day(item.get(key))
            except ValueError as error:
                problems.append(f"Season {number}: {key} {error}")
        for key, minimum in (("reorder_point", 0), ("reorder_quantity", 1)):
            if item.get(key) in (None, ""):
                problems.append(f"Season {number}: {key} is required.")
                continue
            try:
                fields[key] = _whole(item.get(key), minimum=minimum)
            except ValueError as error:
                problems.append(f"Season {number}: {key} {error}.")
        unknown = sorted(set(item) - {"start", "end", "reorder_point", "reorder_quantity"})
        if unknown:
            problems.append(f"Season {number}: unknown field {', '.join(unknown)}.")
        if len(fields) == 4 and not unknown:
            seasons.append((number, Season(**fields)))
    for i, (number, season) in enumerate(seasons):
        for other_number, other in seasons[i + 1 :]:
            if season.days() & other.days():
                problems.append(
                    f"Season {other_number} ({other.label}) overlaps season {number} "
                    f"({season.label}): on any day at most one season may be in force."
                )
    if problems:
        raise ValidationError({"seasonal": problems})
    return sorted((season for _, season in seasons), key=lambda s: s.start)


def seasons_from_json(value) -> list[Season]:
    """Seasons as stored on a rule (already cleaned by the services): no validation."""
    return [
        Season(
            start=parse_month_day(item["start"]),
            end=parse_month_day(item["end"]),
            reorder_point=int(item["reorder_point"]),
            reorder_quantity=int(item["reorder_quantity"]),
        )
        for item in value or []
    ]


def threshold_on(
    *, reorder_point: int, reorder_quantity: int, seasons: list[Season], on: datetime.date
) -> Threshold:
    """The point and quantity in force on `on`: the season covering that day, else the rule's."""
    for season in seasons:
        if season.covers(on):
            return Threshold(on, season.reorder_point, season.reorder_quantity, season)
    return Threshold(on, reorder_point, reorder_quantity, None)


# Spreadsheet cells: "11-15..01-31=60/200; 06-01..08-31=10/40" (start..end=point/quantity) ----

TEXT_SEASON = re.compile(r"^([\d-]+)\s*\.\.\s*([\d-]+)\s*=\s*(\S+?)\s*/\s*(\S+)$")
TEXT_FORMAT = "MM-DD..MM-DD=point/quantity, seasons separated by ';'"


def seasons_from_text(text) -> list[dict]:
    """Seasons from one spreadsheet cell, in the API's shape (cleaned later by seasons_clean).
    ValueError in words when a part cannot be read."""
    seasons = []
    for number, part in enumerate(str(text or "").split(";"), 1):
        part = part.strip()
        if not part:
            continue
        match = TEXT_SEASON.match(part)
        if not match:
            raise ValueError(f"Season {number} '{part}' is not written as {TEXT_FORMAT}.")
        start, end, point, quantity = match.groups()
        seasons.append(
            {"start": start, "end": end, "reorder_point": point, "reorder_quantity": quantity}
        )
    return seasons


def seasons_to_text(seasons: list[dict]) -> str:
    return "; ".join(
        f"{s['start']}..{s['end']}={s['reorder_point']}/{s['reorder_quantity']}"
        for s in seasons or []
    )
