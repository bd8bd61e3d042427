"""API: counts (API.md "Counts, velocity and slotting")."""

urlpatterns: list = []
