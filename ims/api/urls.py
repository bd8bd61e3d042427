from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import SimpleRouter

from ims.api.auth import TokenView
from ims.api.exports import ExportView
from ims.api.imports import (
    ImportApplyView,
    ImportCancelView,
    ImportDetailView,
    ImportListCreateView,
)
from ims.api.users import AuditLogViewSet, UserViewSet

router = SimpleRouter()
router.register("users", UserViewSet, basename="user")
router.register("audit-log", AuditLogViewSet, basename="audit-entry")

urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("imports/", ImportListCreateView.as_view(), name="import-list"),
    path("imports/<int:pk>/", ImportDetailView.as_view(), name="import-detail"),
    path("imports/<int:pk>/cancel/", ImportCancelView.as_view(), name="import-cancel"),
    path("imports/<int:pk>/apply/", ImportApplyView.as_view(), name="import-apply"),
    path("exports/<str:kind>/", ExportView.as_view(), name="export"),
    path("", include(router.urls)),
    path("", include("inventory.api.urls")),
    path("", include("channels.api.urls")),
    path("", include("receiving.api.urls")),
    path("", include("replenishment.api.urls")),
]
