"""Doors: every screen and API action names the roles that may pass (ims.kits.roles).

- Screens: `@roles_required(ROLE_SET)` — signed in and holding one of the roles, else the 403
  page (no traceback in the log: refusing is not an error). `@public` for the few screens anyone
  may open. The decorator leaves `allowed_roles` on the view, which the URL-walk test reads.
- API: `RolePermission` reads `roles` on the view — `{action: role set}` for viewsets,
  `{method: role set}` for other views — and refuses with 403 `permission_denied`. A channel key
  passes only the view's `channel_key_actions`.
"""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from rest_framework import exceptions
from rest_framework.permissions import BasePermission

from ims.kits.roles import ADMINS, EVERYONE, Role, roles_of, warehouse_scope

PUBLIC = "public"


def _labels(allowed) -> str:
    return ", ".join(Role(role).label.lower() for role in Role if role in allowed)


def roles_required(allowed):
    """Screens: signed in and holding a role of `allowed`; the view finds the user's roles in
    `request.roles`."""
    allowed = frozenset(allowed)

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            request.roles = roles_of(request.user)
            if not request.roles & allowed:
                return render(
                    request,
                    "403.html",
                    {"message": f"This screen is for: {_labels(allowed)}."},
                    status=403,
                )
            return view(request, *args, **kwargs)

        wrapper.allowed_roles = allowed
        return wrapper

    return decorator


def public(view):
    """A screen anyone may open, signed in or not (health checks)."""
    view.allowed_roles = PUBLIC
    return view


def can(request, allowed) -> bool:
    return bool(roles_of(request.user) & frozenset(allowed))


def is_channel_key(user) -> bool:
    return bool(getattr(user, "is_channel_key", False))


def action_of(view, request) -> str:
    action = getattr(view, "action", None)
    if action:
        return action
    method = request.method.lower()
    return "get" if method == "head" else method


class RolePermission(BasePermission):
    """The view's `roles` for this action; an action it does not name is admin-only (PRODUCT.md:
    what is not listed is admin-only), and the URL-walk test fails on it."""

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        action = action_of(view, request)
        if action in ("metadata", "options"):
            return True
        method = request.method.lower()
        method = "get" if method == "head" else method
        if is_channel_key(user):
            keys = getattr(view, "channel_key_actions", ())
            if action in keys or f"{action}.{method}" in keys:
                return True
            raise exceptions.PermissionDenied(
                "A channel key may only use its own channel's orders, listings and availability."
            )
        allowed = roles_for(view, action, method)
        if roles_of(user) & allowed:
            return True
        if not roles_of(user):
            raise exceptions.PermissionDenied("You hold no role yet; ask an admin for one.")
        raise exceptions.PermissionDenied(f"Only these roles may do this: {_labels(allowed)}.")


def roles_for(view, action: str, method: str):
    """`roles` may name an action (`"listings"`) or an action and method (`"listings.post"`)."""
    roles = getattr(view, "roles", {})
    method = "get" if method == "head" else method
    return roles.get(f"{action}.{method}", roles.get(action, ADMINS))


def api_scope(request, view) -> frozenset[int] | None:
    """The warehouses the caller may act in for this API action (None: all of them). Channel
    keys are scoped by channel, not warehouse."""
    if is_channel_key(request.user):
        return None
    allowed = roles_for(view, action_of(view, request), request.method.lower())
    return warehouse_scope(request.user, allowed)


def require_in_scope(scope, warehouse_id: int, what: str = "That") -> None:
    """404 for an object of a warehouse outside `scope`: as if it did not exist."""
    if scope is not None and warehouse_id not in scope:
        raise exceptions.NotFound(f"{what} does not exist.")


def declared_roles(view_class, action: str):
    """What a view declares for an action (the URL-walk test): a role set, or None."""
    if getattr(view_class, "public_actions", None) and action in view_class.public_actions:
        return PUBLIC
    return getattr(view_class, "roles", {}).get(action)


__all__ = [
    "EVERYONE",
    "PUBLIC",
    "RolePermission",
    "action_of",
    "api_scope",
    "can",
    "declared_roles",
    "is_channel_key",
    "public",
    "require_in_scope",
    "roles_required",
]
