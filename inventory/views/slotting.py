"""Inventory screens: slotting (filled in by its issue)."""

urlpatterns: list = []
