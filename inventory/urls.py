from django.urls import path

from inventory.views import accuracy, counts, exports, imports, slotting, stock

urlpatterns = [
    path("stock/", stock.stock_search, name="stock-search"),
    path("skus/<str:code>/", stock.sku_detail, name="sku-detail"),
    *counts.urlpatterns,
    *slotting.urlpatterns,
    *accuracy.urlpatterns,
    *imports.urlpatterns,
    *exports.urlpatterns,
]
