"""Receiving's domain errors (409s in the API, a sentence next to the form on screens)."""

from inventory.errors import StockConflict


class LocationMissing(StockConflict):
    """The warehouse has no location of a type receiving needs (a dock, a quarantine)."""

    code = "location_missing"
