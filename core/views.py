from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def home(request: HttpRequest) -> HttpResponse:
    """Render the landing page that links to the public forms and the staff admin."""
    return render(request, "home.html")
