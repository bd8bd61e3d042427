from django.apps import AppConfig


class ChannelsConfig(AppConfig):
    name = "channels"
    label = "sales_channels"
    verbose_name = "Channels and orders"
