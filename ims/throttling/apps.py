from django.apps import AppConfig


class ThrottlingConfig(AppConfig):
    name = "ims.throttling"
    label = "ims_throttling"
    verbose_name = "Throttling"
