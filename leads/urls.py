from django.urls import path

from leads import apis, views

app_name = "leads"

urlpatterns = [
    # The JSON endpoints first (the live front-end's addresses, without a trailing slash,
    # CLIENT-CONTRACT.md, then the project's own): the busiest patterns are tried first.
    path("api/contact", apis.ContactMessageApi.as_view(), name="api_contact_client"),
    path(
        "api/early-access",
        apis.EarlyAccessRequestApi.as_view(),
        name="api_early_access_client",
    ),
    path("api/choices", apis.ChoicesSubmitApi.as_view(), name="api_choices_client"),
    path("api/page-sessions/", apis.PageSessionRecordApi.as_view(), name="api_page_sessions"),
    path("api/contact/", apis.ContactMessageApi.as_view(), name="api_contact"),
    path("api/early-access/", apis.EarlyAccessRequestApi.as_view(), name="api_early_access"),
    path("api/choices/", apis.ChoicesSubmitApi.as_view(), name="api_choices"),
    path("choices/", views.choices, name="choices"),
    path("choices/thanks/", views.thanks, {"form_name": "choices"}, name="choices_thanks"),
    path("early-access/", views.early_access, name="early_access"),
    path(
        "early-access/thanks/",
        views.thanks,
        {"form_name": "early_access"},
        name="early_access_thanks",
    ),
    path("contact/", views.contact, name="contact"),
    path("contact/thanks/", views.thanks, {"form_name": "contact"}, name="contact_thanks"),
]
