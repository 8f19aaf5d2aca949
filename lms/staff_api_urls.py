"""Routes of the LMS's staff API, included under /api/lms/ (config/urls.py)."""

from rest_framework.routers import SimpleRouter

from lms import staff_apis

app_name = "lms-api"

router = SimpleRouter()
router.register("courses", staff_apis.CourseViewSet, basename="course")
router.register("enrollments", staff_apis.EnrollmentViewSet, basename="enrollment")
router.register("progress", staff_apis.LessonProgressViewSet, basename="progress")

urlpatterns = router.urls
