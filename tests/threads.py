"""Real threads for the contention tests (PostgreSQL): works released together."""

import threading

from django.db import connection


def run_together(*works) -> list:
    """Run each work in its own thread, released together by a barrier; each outcome (its
    result, or the error it raised). Each thread closes its own database connection."""
    barrier = threading.Barrier(len(works))
    outcomes: list = [None] * len(works)

    def runner(index):
        try:
            barrier.wait(timeout=30)
            outcomes[index] = works[index]()
        except Exception as exc:  # returned: the test asserts on it
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=runner, args=(i,)) for i in range(len(works))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    return outcomes
