"""Routes of the LMS's staff API, included under /api/lms/ (config/urls.py)."""

from rest_framework.routers import SimpleRouter

from lms import apis

app_name = "lms-api"

router = SimpleRouter()
router.register("courses", apis.CourseViewSet, basename="course")
router.register("enrollments", apis.EnrollmentViewSet, basename="enrollment")
router.register("progress", apis.LessonProgressViewSet, basename="progress")

urlpatterns = router.urls
