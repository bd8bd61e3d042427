"""Reads that need shaping (DESIGN.md, "Reads are shaped once").

One module per topic: `stock` (bin stock, availability, the ledger), `dashboard` (the manager's
overview). Each function returns a queryset that already carries its select_related and
annotations, so every list built on it runs a constant number of queries.
"""
