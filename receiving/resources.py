"""Import kinds of receiving: suppliers and purchase orders (inventory.imports)."""
