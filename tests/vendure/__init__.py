"""End-to-end tests against a real Vendure server (see harness.py)."""
