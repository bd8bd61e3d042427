from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from ims.api.auth import TokenView
from ims.api.imports import ImportDetailView, ImportListCreateView

urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("imports/", ImportListCreateView.as_view(), name="import-list"),
    path("imports/<int:pk>/", ImportDetailView.as_view(), name="import-detail"),
    path("", include("inventory.api.urls")),
    path("", include("channels.api.urls")),
    path("", include("receiving.api.urls")),
    path("", include("inventory.replenishment.api.urls")),
]
