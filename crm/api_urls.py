"""Routes of the CRM's staff API, included under /api/crm/ (config/urls.py)."""

from rest_framework.routers import SimpleRouter

from crm import apis

app_name = "crm-api"

router = SimpleRouter()
router.register("organizations", apis.OrganizationViewSet, basename="organization")
router.register("contacts", apis.ContactViewSet, basename="contact")
router.register("notes", apis.ContactNoteViewSet, basename="note")
router.register("appointments", apis.AppointmentViewSet, basename="appointment")
router.register("messages", apis.MessageViewSet, basename="message")
router.register("tasks", apis.TaskViewSet, basename="task")
router.register("tags", apis.TagViewSet, basename="tag")
router.register("integrations", apis.ContactIntegrationViewSet, basename="integration")

urlpatterns = router.urls
