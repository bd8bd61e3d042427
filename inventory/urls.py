from django.urls import path

from inventory import views

urlpatterns = [
    path("stock/", views.stock_search, name="stock-search"),
    path("skus/<str:code>/", views.sku_detail, name="sku-detail"),
]
