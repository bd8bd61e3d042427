"""Navigation by role, for the base layout."""

from ims.roles import Role, user_roles

EVERYONE = None
NAV = [
    # (label, url name, roles that see it; EVERYONE = everyone signed in)
    ("Dashboard", "dashboard", EVERYONE),
    ("Stock", "stock-search", EVERYONE),
]
_ = Role  # roles named in NAV entries use Role.MANAGER etc.


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "user_roles": set()}
    roles = user_roles(user)
    items = [
        {"label": label, "url_name": name}
        for label, name, allowed in NAV
        if allowed is EVERYONE or roles & set(allowed)
    ]
    return {"nav_items": items, "user_roles": roles}
