"""The availability listener registry (inventory/events.py): who listens, in which order."""

from inventory import events
from replenishment.triggers import reorder_recheck


def test_the_listeners_run_in_a_known_order():
    # Reorder rules decide before the outbox is written: both in the stock change's transaction,
    # registered by their apps' ready() in INSTALLED_APPS order.
    assert events.availability_listeners() == ["rule", "channel"]
    assert events._incoming == [reorder_recheck]


def test_one_query_finds_every_listener_of_every_pair():
    sql, params = events.listeners_sql([(1, 2), (3, 4)])
    assert sql.count("SELECT 'rule'") == sql.count("SELECT 'channel'") == 2
    assert params == [1, 2, 1, 2, 3, 4, 3, 4]
