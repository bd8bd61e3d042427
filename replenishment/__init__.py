"""Replenishment: reorder rules with seasonal thresholds, alerts raised the moment projected
stock reaches the reorder point, the purchasing digest e-mail, and draft purchase orders.

Modules: `seasons` (month-day ranges, the threshold in force), `formula` (suggested quantity),
`triggers` (the check every stock change runs, and the re-checks of purchase-order changes),
`services` (rules, alerts, purchase orders), `notifications` (the digest), `selectors`,
`filters`, `api`, `views`, `resources`, `tasks`, `demo`. Nothing is imported here, so the stock
engine can import `triggers` without loading the rest.
"""
