"""Seasonal reorder points: month-day ranges (possibly across the new year) with their own point
and quantity; the rule in force on a date; the daily sweep raising what a new season implies."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from replenishment.models import ReorderRule
from replenishment.seasons import (
    Season,
    seasons_clean,
    seasons_from_text,
    seasons_to_text,
    threshold_on,
)
from replenishment.services import reorder_rule_update, reorder_sweep
from replenishment.tasks import reorder_sweep_task
from tests import factories
from tests.replenishment.helpers import alerts, open_alerts, rule, stock

D = datetime.date
WINTER = {"start": "11-15", "end": "01-31", "reorder_point": 60, "reorder_quantity": 200}
SUMMER = {"start": "06-01", "end": "08-31", "reorder_point": 5, "reorder_quantity": 20}


def season(start, end, point=1, quantity=1) -> Season:
    (cleaned,) = seasons_clean(
        [{"start": start, "end": end, "reorder_point": point, "reorder_quantity": quantity}]
    )
    return cleaned


@pytest.mark.parametrize(
    ("day", "inside"),
    [
        (D(2025, 7, 15), True),  # the middle
        (D(2025, 6, 1), True),  # first day, inclusive
        (D(2025, 8, 31), True),  # last day, inclusive
        (D(2025, 5, 31), False),  # the day before
        (D(2025, 9, 1), False),  # the day after
        (D(2025, 1, 10), False),
    ],
)
def test_a_season_within_the_year(day, inside):
    assert season("06-01", "08-31").covers(day) is inside


@pytest.mark.parametrize(
    ("day", "inside"),
    [
        (D(2025, 11, 15), True),  # starts in November
        (D(2025, 12, 31), True),  # New Year's Eve
        (D(2026, 1, 1), True),  # New Year's Day
        (D(2026, 1, 31), True),  # ends in January
        (D(2026, 2, 1), False),
        (D(2025, 11, 14), False),
        (D(2025, 7, 1), False),
    ],
)
def test_a_season_across_the_new_year(day, inside):
    winter = season("11-15", "01-31")
    assert winter.spans_new_year
    assert winter.covers(day) is inside


def test_a_one_day_season_and_the_leap_day():
    assert season("12-24", "12-24").covers(D(2025, 12, 24))
    assert not season("12-24", "12-24").covers(D(2025, 12, 25))
    leap = season("02-29", "03-02")
    assert leap.covers(D(2024, 2, 29))
    assert leap.covers(D(2025, 3, 1))
    assert not leap.covers(D(2025, 2, 28))


def test_the_threshold_in_force_says_which_season():
    seasons = seasons_clean([WINTER, SUMMER])
    inside = threshold_on(reorder_point=20, reorder_quantity=50, seasons=seasons, on=D(2026, 1, 5))
    assert (inside.reorder_point, inside.reorder_quantity) == (60, 200)
    assert inside.season.label == "15 Nov \u2013 31 Jan"
    assert inside.source == "season 15 Nov \u2013 31 Jan"
    outside = threshold_on(reorder_point=20, reorder_quantity=50, seasons=seasons, on=D(2026, 3, 5))
    assert (outside.reorder_point, outside.reorder_quantity, outside.season) == (20, 50, None)
    assert outside.source == "all year"


@pytest.mark.parametrize(
    ("seasons", "message"),
    [
        ([{**WINTER, "start": "13-01"}], "Season 1: start '13-01' is not a day of the year."),
        ([{**WINTER, "end": "Jan 31"}], "Season 1: end 'Jan 31' is not a month-day"),
        ([{**WINTER, "end": "02-30"}], "Season 1: end '02-30' is not a day of the year."),
        ([{**WINTER, "reorder_point": -1}], "Season 1: reorder_point must be at least 0."),
        ([{**WINTER, "reorder_quantity": 0}], "Season 1: reorder_quantity must be at least 1."),
        ([{**WINTER, "reorder_point": "ten"}], "Season 1: reorder_point 'ten' is not a whole"),
        ([{"start": "01-01", "end": "01-02"}], "Season 1: reorder_point is required."),
        ([{**WINTER, "colour": "red"}], "Season 1: unknown field colour."),
        (["11-15"], "Season 1: must be an object"),
        (
            [WINTER, {**SUMMER, "start": "01-20", "end": "02-10"}],
            "Season 2 (20 Jan \u2013 10 Feb) overlaps season 1 (15 Nov \u2013 31 Jan)",
        ),
        (
            [SUMMER, {**WINTER, "start": "12-01", "end": "06-01"}],
            "Season 2 (1 Dec \u2013 1 Jun) overlaps season 1",
        ),
        ("winter", "Must be a list of seasons."),
    ],
)
def test_bad_seasons_are_refused_in_words(seasons, message):
    with pytest.raises(ValidationError) as error:
        seasons_clean(seasons)
    assert any(m.startswith(message) for m in error.value.message_dict["seasonal"]), error.value


def test_seasons_are_stored_cleaned_and_sorted():
    cleaned = seasons_clean([WINTER, {**SUMMER, "start": "6-1", "reorder_point": "5"}])
    assert [s.as_dict() for s in cleaned] == [SUMMER, WINTER]


def test_seasons_in_a_spreadsheet_cell_round_trip():
    text = "11-15..01-31=60/200; 06-01..08-31 = 5 / 20"
    assert seasons_from_text(text) == [
        {"start": "11-15", "end": "01-31", "reorder_point": "60", "reorder_quantity": "200"},
        {"start": "06-01", "end": "08-31", "reorder_point": "5", "reorder_quantity": "20"},
    ]
    assert seasons_to_text([WINTER, SUMMER]) == "11-15..01-31=60/200; 06-01..08-31=5/20"
    assert seasons_from_text("") == []
    with pytest.raises(ValueError, match="Season 2 'summer' is not written as"):
        seasons_from_text("11-15..01-31=60/200; summer")


@pytest.fixture
def parka(db):
    warehouse = factories.warehouse("WH1")
    places = factories.places(warehouse)
    sku = factories.sku("PARKA")
    stock(sku, places.bin1, 40)
    return sku, warehouse


@pytest.mark.django_db
def test_the_rule_in_force_on_a_date(parka):
    sku, warehouse = parka
    seasonal = rule(sku, warehouse, point=20, quantity=50, seasonal=[WINTER, SUMMER])
    assert seasonal.in_force(D(2025, 12, 20)).reorder_point == 60
    assert seasonal.in_force(D(2026, 1, 31)).reorder_quantity == 200
    assert seasonal.in_force(D(2026, 7, 4)).reorder_point == 5
    assert seasonal.in_force(D(2026, 4, 4)).reorder_point == 20


@pytest.mark.django_db
def test_the_sweep_raises_when_a_season_begins_and_re_arms_when_it_ends(parka):
    sku, warehouse = parka
    rule(sku, warehouse, point=20, quantity=50)
    # Seasons written behind the service's back, so nothing is decided until the sweep runs.
    ReorderRule.objects.update(seasonal=[WINTER, SUMMER])
    result = reorder_sweep(on=D(2025, 11, 14))  # the day before winter: 40 > 20
    assert (result.checked, result.changed, result.raised) == (1, 0, 0)
    assert alerts() == []
    result = reorder_sweep(on=D(2025, 11, 15))  # winter: 40 <= 60
    assert (result.changed, result.raised) == (1, 1)
    (alert,) = open_alerts()
    assert (alert.reorder_point, alert.reorder_quantity) == (60, 200)
    assert alert.season == "15 Nov \u2013 31 Jan"
    assert alert.suggested_quantity == 200
    assert reorder_sweep(on=D(2025, 12, 31)).changed == 0  # still winter: not raised again
    assert reorder_sweep(on=D(2026, 1, 1)).changed == 0  # across the new year, still winter
    assert reorder_sweep(on=D(2026, 2, 1)).changed == 1  # winter over: 40 > 20, re-armed
    assert ReorderRule.objects.get().armed is True
    assert len(alerts()) == 1


@pytest.mark.django_db
def test_a_season_written_through_the_service_is_decided_on_today(parka):
    sku, warehouse = parka
    seasonal_rule = rule(sku, warehouse, point=20, quantity=50)
    # A season covering every day, so "today" is inside whatever the date of the run.
    every_day = {"start": "01-01", "end": "12-31", "reorder_point": 45, "reorder_quantity": 90}
    reorder_rule_update(rule=seasonal_rule, seasonal=[every_day])
    (alert,) = open_alerts()
    assert (alert.reorder_point, alert.suggested_quantity) == (45, 90)


@pytest.mark.django_db
def test_the_daily_task_runs_the_sweep(parka):
    sku, warehouse = parka
    rule(sku, warehouse, point=20)
    ReorderRule.objects.update(reorder_point=50)  # changed outside the services
    assert reorder_sweep_task() == {"checked": 1, "changed": 1, "raised": 1}
    assert len(open_alerts()) == 1
