"""Every door says who may pass (DESIGN.md): a walk over every URL pattern and every viewset
action, failing on any that declares no roles. What each role may actually do is
tests/api/test_roles.py's business."""

from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.views import APIView

from ims.kits.access import PUBLIC, RolePermission

# Doors open by nature, each for a reason: signing in and out, exchanging a password for a token,
# the API's own description, the load balancer's probe, and the shops' order webhooks (called by
# Shopify and WooCommerce, let in only by their HMAC of the body: tests/channels/
# test_webhooks_*.py). The admin site (its own staff check, Django's) is left out of the walk.
PUBLIC_VIEWS = {
    "django.contrib.auth.views.LoginView",
    "django.contrib.auth.views.LogoutView",
    "django.contrib.auth.views.PasswordChangeView",
    "django.contrib.auth.views.PasswordChangeDoneView",
    "django.contrib.auth.views.PasswordResetView",
    "django.contrib.auth.views.PasswordResetDoneView",
    "django.contrib.auth.views.PasswordResetConfirmView",
    "django.contrib.auth.views.PasswordResetCompleteView",
    "ims.api.auth.TokenView",
    "drf_spectacular.views.SpectacularAPIView",
    "drf_spectacular.views.SpectacularSwaggerView",
    "channels.api.webhooks.ShopifyWebhookView",
    "channels.api.webhooks.WooCommerceWebhookView",
}
HANDLERS = ("get", "post", "put", "patch", "delete")


def _patterns(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if route.startswith("admin/"):
                continue
            yield from _patterns(pattern, route)
        elif isinstance(pattern, URLPattern):
            yield route, pattern.callback


def _name(callback) -> str:
    target = getattr(callback, "cls", None) or getattr(callback, "view_class", None) or callback
    return f"{target.__module__}.{target.__qualname__}"


def _api_actions(callback):
    """(method, action) pairs a DRF view answers at this URL."""
    actions = getattr(callback, "actions", None)
    if actions:
        return list(actions.items())
    view = callback.cls
    return [(method, method) for method in HANDLERS if hasattr(view, method)]


def test_the_walk_finds_screens_and_api_views():
    names = {_name(callback) for _, callback in _patterns()}
    assert "ims.dashboard.dashboard" in names
    assert "channels.api.orders.OrderViewSet" in names
    assert len(names) > 40


def test_every_door_declares_who_may_pass():
    undeclared = []
    for route, callback in _patterns():
        name = _name(callback)
        if name in PUBLIC_VIEWS:
            continue
        view = getattr(callback, "cls", None)
        if view is not None and issubclass(view, APIView):
            if not any(issubclass(p, RolePermission) for p in view.permission_classes):
                undeclared.append(f"{route} ({name}): not guarded by RolePermission")
                continue
            roles = getattr(view, "roles", {})
            for method, action in _api_actions(callback):
                method = "get" if method == "head" else method  # HEAD is GET's door
                if action not in roles and f"{action}.{method}" not in roles:
                    undeclared.append(f"{method.upper()} {route} ({name}.{action})")
            continue
        allowed = getattr(callback, "allowed_roles", None)
        if allowed is None:
            undeclared.append(f"{route} ({name}): screen without @roles_required or @public")
        elif allowed != PUBLIC:
            assert allowed, f"{route} ({name}) lets no role in"
    assert not undeclared, "Doors that say nothing about who may pass:\n" + "\n".join(undeclared)


def test_public_doors_are_only_the_listed_ones():
    public = {
        _name(callback)
        for _, callback in _patterns()
        if getattr(callback, "allowed_roles", None) == PUBLIC
    }
    assert public == {"ims.health.healthz"}
