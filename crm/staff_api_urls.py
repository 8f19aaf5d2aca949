"""Routes of the CRM's staff API, included under /api/crm/ (config/urls.py)."""

from rest_framework.routers import SimpleRouter

from crm import staff_apis

app_name = "crm-api"

router = SimpleRouter()
router.register("organizations", staff_apis.OrganizationViewSet, basename="organization")
router.register("contacts", staff_apis.ContactViewSet, basename="contact")
router.register("notes", staff_apis.ContactNoteViewSet, basename="note")
router.register("appointments", staff_apis.AppointmentViewSet, basename="appointment")
router.register("messages", staff_apis.MessageViewSet, basename="message")
router.register("tasks", staff_apis.TaskViewSet, basename="task")
router.register("tags", staff_apis.TagViewSet, basename="tag")
router.register("integrations", staff_apis.ContactIntegrationViewSet, basename="integration")

urlpatterns = router.urls
