from django.urls import path

from replenishment import views

urlpatterns = [
    path("alerts/", views.alert_list_view, name="replenishment-alerts"),
    path("rules/", views.rule_list_view, name="reorder-rules"),
    path("skus/<str:code>/rules/", views.rule_edit_view, name="reorder-rule-edit"),
]
