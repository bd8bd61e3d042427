"""Import kind of replenishment: reorder rules (inventory.imports)."""
