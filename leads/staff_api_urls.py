"""Routes of the leads' staff API, included under /api/leads/ (config/urls.py)."""

from rest_framework.routers import SimpleRouter

from leads import staff_apis

app_name = "leads-api"

router = SimpleRouter()
# "events/" first: the leads themselves sit at the root of /api/leads/.
router.register("events", staff_apis.LeadEventViewSet, basename="event")
router.register("", staff_apis.LeadViewSet, basename="lead")

urlpatterns = router.urls
