from django.apps import AppConfig


class ReceivingConfig(AppConfig):
    name = "receiving"
    verbose_name = "Receiving"

    def ready(self) -> None:
        """Tell the stock engine what is coming in: open purchase-order quantity per pair."""
        from inventory import events
        from receiving.selectors import incoming_subquery

        events.incoming_source(incoming_subquery)
