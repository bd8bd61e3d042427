from django.contrib import admin
from django.urls import include, path

from ims.dashboard import dashboard
from ims.health import healthz

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/v1/", include("ims.api.urls")),
    path("healthz", healthz, name="healthz"),
    path("receiving/", include("receiving.urls")),
    path("orders/", include("channels.urls")),
    path("replenishment/", include("replenishment.urls")),
    path("", dashboard, name="dashboard"),
    path("", include("inventory.urls")),
]

# JSON 404s under /api/ (the contract's error shape); Django's page elsewhere.
handler404 = "ims.api.errors.not_found"
