"""Small input helpers every service uses: who to record as the actor, and whole numbers."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser


def acting_user(actor) -> AbstractBaseUser | None:
    """The person to record as the actor of a change: a signed-in user. A channel key, an
    anonymous caller or None records nobody."""
    if isinstance(actor, AbstractBaseUser) and actor.is_authenticated:
        return actor
    return None


def is_whole(value, *, minimum: int | None = None) -> bool:
    """An int (not a bool, not a float or a numeric string), at least `minimum` if given."""
    if isinstance(value, bool) or not isinstance(value, int):
        return False
    return minimum is None or value >= minimum
