"""Order screens, included under /orders/ (ims/urls.py)."""

from django.urls import path

from channels import views
from channels.sync import views as sync_views

urlpatterns = [
    path("", views.order_list_view, name="order-list"),
    path("<int:pk>/", views.order_detail_view, name="order-detail"),
    path("<int:pk>/cancel/", views.order_cancel_view, name="order-cancel"),
    path("<int:pk>/ship/", views.order_ship_view, name="order-ship"),
    path("<int:pk>/put-back/", views.order_put_back_view, name="order-put-back"),
    path("picks/", views.my_picks_view, name="my-picks"),
    path("picks/queue/", views.pick_queue_view, name="pick-queue"),
    path("picks/<int:pk>/assign/", views.pick_assign_view, name="pick-assign"),
    # Channel sync screens (/orders/channels/…).
    path("channels/", sync_views.channel_list_view, name="channel-list"),
    path("channels/<str:code>/", sync_views.channel_detail_view, name="channel-detail"),
    path("channels/<str:code>/resync/", sync_views.channel_resync_view, name="channel-resync"),
    path("channels/<str:code>/test/", sync_views.channel_test_view, name="channel-test"),
    path("channels/<str:code>/pull/", sync_views.channel_pull_view, name="channel-pull"),
]
