"""The stock engine's tables, a module per topic (re-exported here: `inventory.models.Sku`)."""

from inventory.models.catalog import (
    CONTAINER_TYPES,
    SELLABLE_TYPES,
    Location,
    LocationType,
    Lot,
    Sku,
    Warehouse,
)
from inventory.models.counts import (
    LINE_BUSY,
    CountLineStatus,
    CountOrigin,
    CountStatus,
    CycleCount,
    CycleCountLine,
)
from inventory.models.imports import ImportJob, ImportMapping, ImportStatus
from inventory.models.slotting import (
    MoveTask,
    MoveTaskStatus,
    RecommendationStatus,
    SlottingRecommendation,
)
from inventory.models.stock import (
    BinStock,
    MovementKind,
    Reservation,
    ReservationStatus,
    StockMovement,
    WarehouseStock,
)
from inventory.models.velocity import AbcClass, SkuVelocity

__all__ = [
    "CONTAINER_TYPES",
    "LINE_BUSY",
    "SELLABLE_TYPES",
    "AbcClass",
    "BinStock",
    "CountLineStatus",
    "CountOrigin",
    "CountStatus",
    "CycleCount",
    "CycleCountLine",
    "ImportJob",
    "ImportMapping",
    "ImportStatus",
    "Location",
    "LocationType",
    "Lot",
    "MoveTask",
    "MoveTaskStatus",
    "MovementKind",
    "RecommendationStatus",
    "Reservation",
    "ReservationStatus",
    "Sku",
    "SkuVelocity",
    "SlottingRecommendation",
    "StockMovement",
    "Warehouse",
    "WarehouseStock",
]
