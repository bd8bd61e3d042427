"""Navigation by role, for the base layout."""

NAV = [
    # (label, url name, roles that see it; None = everyone signed in)
    ("Dashboard", "dashboard", None),
    ("Stock", "stock-search", None),
]


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    groups = {g.name for g in user.groups.all()} if not user.is_superuser else None
    items = [
        {"label": label, "url_name": name}
        for label, name, roles in NAV
        if roles is None or groups is None or groups & set(roles)
    ]
    return {"nav_items": items}
