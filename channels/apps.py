from django.apps import AppConfig


class ChannelsConfig(AppConfig):
    name = "channels"
    label = "sales_channels"
    verbose_name = "Channels and orders"

    def ready(self) -> None:
        """Listen to availability: every change queues a push to the channels that sell it."""
        from channels.sync.outbox import CHANNEL_OUTBOX
        from inventory import events

        events.availability_listen(CHANNEL_OUTBOX)
