from rest_framework.routers import SimpleRouter

from channels.api.channels import ChannelViewSet
from channels.api.orders import OrderViewSet, PickTaskViewSet

router = SimpleRouter()
router.register("channels", ChannelViewSet, basename="channel")
router.register("orders", OrderViewSet, basename="order")
router.register("pick-tasks", PickTaskViewSet, basename="pick-task")

urlpatterns = router.urls
