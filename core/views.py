from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static

from core.errors import json_error


def home(request: HttpRequest) -> HttpResponse:
    """Render the landing page that links to the public forms and the staff admin."""
    return render(request, "home.html")


def api_not_found(request: HttpRequest) -> HttpResponse:
    """An /api/ address that names no endpoint: the JSON 404, whatever DEBUG says."""
    return json_error(404)


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever a page links: send them to the static icon."""
    return redirect(static("img/favicon.svg"), permanent=True)
