"""API: slotting (API.md "Counts, velocity and slotting")."""

urlpatterns: list = []
