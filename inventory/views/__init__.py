"""Inventory screens, a module per topic; each module's `urlpatterns` joins inventory/urls.py."""
