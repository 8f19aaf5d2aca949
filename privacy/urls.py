"""Public pages of privacy: the notice at /privacy/ (included at the site root)."""

from django.urls import path

from privacy import views

urlpatterns = [path("privacy/", views.privacy_notice, name="privacy-notice")]
