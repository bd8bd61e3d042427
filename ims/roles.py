"""The roles of PRODUCT.md, as Django groups. Screens and the navigation check membership."""

from django.db import models


class Role(models.TextChoices):
    MANAGER = "manager", "Warehouse manager"
    ASSOCIATE = "associate", "Warehouse associate"
    PURCHASING = "purchasing", "Purchasing"
    ADMIN = "admin", "Admin"


def user_roles(user) -> set[str]:
    """The roles a user holds; superusers hold all of them."""
    if not user.is_authenticated:
        return set()
    if user.is_superuser:
        return set(Role.values)
    return {group.name for group in user.groups.all() if group.name in Role.values}
