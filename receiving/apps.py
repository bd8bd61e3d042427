from django.apps import AppConfig


class ReceivingConfig(AppConfig):
    name = "receiving"
    verbose_name = "Receiving"

    def ready(self) -> None:
        """Tell the stock engine what is coming in (open purchase-order quantity per pair) and
        what a unit costs (the last purchase-order unit cost)."""
        from inventory import events
        from receiving.selectors import incoming_subquery, unit_cost_subquery

        events.incoming_source(incoming_subquery)
        events.unit_cost_source(unit_cost_subquery)
