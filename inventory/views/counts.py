"""Inventory screens: counts (filled in by its issue)."""

urlpatterns: list = []
