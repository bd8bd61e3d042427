from django.contrib import admin
from django.urls import include, path

from ims.health import healthz

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/v1/", include("ims.api.urls")),
    path("healthz", healthz, name="healthz"),
    path("", include("inventory.urls")),
]
