"""The `vendure_peer` fixture: one real Vendure server for the whole session (see harness.py).
Without Node.js/npm or a reachable PostgreSQL it skips with a line saying how to get them; in CI
(CI=true) that fails the run instead. `VENDURE_PEER_DATABASE` overrides the database name."""

import os

import pytest

from tests.environment import skip_or_fail
from tests.vendure.harness import VendurePeer


@pytest.fixture(scope="session")
def vendure_peer():
    reason = VendurePeer.available()
    if reason:
        skip_or_fail(reason)
    peer = VendurePeer(database=os.environ.get("VENDURE_PEER_DATABASE") or None)
    try:
        peer.install()
        peer.start()
        yield peer
    finally:
        peer.close()
