"""People: creating and changing users, their roles (Django groups) and the warehouses they work
in. Every change is written to the audit log in the same transaction."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.audit import audit_record
from ims.kits.roles import Role


def _snapshot(user) -> dict:
    return {
        "email": user.email,
        "active": user.is_active,
        "roles": sorted(user.groups.filter(name__in=Role.values).values_list("name", flat=True)),
        "warehouses": sorted(user.warehouses.values_list("code", flat=True)),
    }


def _check_roles(roles) -> list[str]:
    unknown = sorted(set(roles) - set(Role.values))
    if unknown:
        raise ValidationError(
            {"roles": f"Unknown role {', '.join(unknown)}; the roles are {', '.join(Role.values)}."}
        )
    return sorted(set(roles))


def _set_roles(user, roles: list[str]) -> None:
    groups = [Group.objects.get_or_create(name=name)[0] for name in roles]
    others = user.groups.exclude(name__in=Role.values)  # groups that are not roles stay
    user.groups.set([*others, *groups])


def _check_password(password: str, user) -> None:
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise ValidationError({"password": error.messages}) from None


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str,
    email: str = "",
    roles=(),
    warehouses=(),
    active: bool = True,
    actor=None,
):
    """A person who can sign in, with their roles and warehouses (managers and associates act
    only in theirs)."""
    model = get_user_model()
    username = (username or "").strip()
    roles = _check_roles(roles)
    user = model(username=username, email=email or "", is_active=active)
    user.full_clean(exclude=["password"])
    _check_password(password, user)
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:  # the same username, created at the same moment
        raise ValidationError({"username": f"{username} is taken."}) from None
    _set_roles(user, roles)
    user.warehouses.set(warehouses)
    audit_record(
        actor=actor,
        action="create",
        object_type="user",
        obj=user,
        object_repr=user.username,
        after={**_snapshot(user), "password": password},
    )
    return user


@transaction.atomic
def user_update(
    *,
    user,
    password: str | None = None,
    email: str | None = None,
    roles=None,
    warehouses=None,
    active: bool | None = None,
    actor=None,
):
    """Change what is given; the username never changes."""
    user = get_user_model().objects.select_for_update().get(pk=user.pk)
    before = _snapshot(user)
    if email is not None:
        user.email = email
    if active is not None:
        user.is_active = active
    if password is not None:
        _check_password(password, user)
        user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    if roles is not None:
        _set_roles(user, _check_roles(roles))
    if warehouses is not None:
        user.warehouses.set(warehouses)
    after = _snapshot(user)
    if password is not None:
        before["password"], after["password"] = "", password  # masked: "changed"
    audit_record(
        actor=actor,
        action="update",
        object_type="user",
        obj=user,
        object_repr=user.username,
        before=before,
        after=after,
    )
    return user
