from django.apps import AppConfig


class ReplenishmentConfig(AppConfig):
    name = "replenishment"
    verbose_name = "Replenishment"

    def ready(self) -> None:
        """Listen to availability and to incoming quantities: either can take projected stock
        to a rule's reorder point."""
        from inventory import events
        from replenishment.triggers import REORDER_RULES, reorder_recheck

        events.availability_listen(REORDER_RULES)
        events.incoming_listen(reorder_recheck)
