"""Inventory screens: accuracy (filled in by its issue)."""

urlpatterns: list = []
