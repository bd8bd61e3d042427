"""Real threads for the concurrency and contention tests (PostgreSQL): one harness.

`run_together(*works)` runs each work in its own thread, all released at once by a barrier, and
returns each outcome (its result, or the exception it raised) for the test to assert on;
`run_all(works)` is the same with the first error re-raised; `run_indexed(count, work)` calls
work(0) … work(count - 1). Each thread closes its own database connection.
"""

import threading
from collections.abc import Callable
from functools import partial

from django.db import connection


def run_together(*works: Callable[[], object], timeout: float = 300) -> list:
    barrier = threading.Barrier(len(works))
    outcomes: list = [None] * len(works)

    def runner(index: int) -> None:
        try:
            barrier.wait(timeout=60)
            outcomes[index] = works[index]()
        except BaseException as exc:  # returned: the test asserts on it
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=runner, args=(i,)) for i in range(len(works))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    return outcomes


def run_all(works: list[Callable[[], object]]) -> list:
    """Every work's result; the first error any of them raised is raised here."""
    outcomes = run_together(*works)
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome
    return outcomes


def run_indexed(count: int, work: Callable[[int], object]) -> list:
    """Outcomes of work(i) for i in range(count), all released at once."""
    return run_together(*(partial(work, index) for index in range(count)))
