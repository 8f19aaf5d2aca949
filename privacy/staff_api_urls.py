"""Privacy routes of the staff API, included under /api/crm/ (config/urls.py)."""

from django.urls import re_path

from core.staff_api import UUID_PATTERN
from privacy.staff_apis import ContactMergeView

urlpatterns = [
    re_path(
        rf"^contacts/(?P<pk>{UUID_PATTERN})/merge/$",
        ContactMergeView.as_view(),
        name="contact-merge",
    ),
]
