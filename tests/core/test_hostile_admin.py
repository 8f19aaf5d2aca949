"""Every admin URL, crawled with hostile parameters as a superuser: never a 5xx.

Bad ids, dates, numbers, lookups, paths and NUL characters get the changelist's own
invalid-lookup handling, a 400 or a 404 (issue 16). On PostgreSQL a NUL character that reached
a query would be a DataError, so this runs on both databases.
"""

import re

import pytest
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.urls import URLPattern, reverse

from tests.crm.factories import ContactFactory
from tests.leads.factories import ContactMessageFactory, UsersLeadFactory

pytestmark = pytest.mark.django_db

HOSTILE = ["not-a-uuid", "\x00", "abc\x00def", "2024-13-45", "9" * 40, "../../etc/passwd", "-1"]
# A route parameter such as <path:object_id> or <int:pk>.
ROUTE_PARAMETER = re.compile(r"<(?:\w+:)?\w+>")


def admin_route_urls(model_admin) -> list[str]:
    """Every route of one ModelAdmin, its parameters filled with each hostile value."""
    opts = model_admin.model._meta
    base = f"/admin/{opts.app_label}/{opts.model_name}/"
    urls = []
    for pattern in model_admin.urls:
        if not isinstance(pattern, URLPattern):
            continue
        route = str(pattern.pattern)
        if "<" not in route:
            urls.append(base + route)
            continue
        urls.extend(base + ROUTE_PARAMETER.sub(value, route) for value in HOSTILE)
    return urls


def changelist_params(model_admin, request) -> list[dict]:
    """Query strings for the changelist and its export: search, order, page and every filter."""
    names = {"q", "o", "p", "e", "_to_field", "_popup", "all"}
    for list_filter in model_admin.get_list_filter(request):
        if isinstance(list_filter, str):
            names |= {list_filter, f"{list_filter}__exact", f"{list_filter}__id__exact"}
        elif isinstance(list_filter, tuple):
            names |= {list_filter[0], f"{list_filter[0]}__exact"}
        elif hasattr(list_filter, "parameter_name"):
            names.add(list_filter.parameter_name)
    if model_admin.date_hierarchy:
        hierarchy = model_admin.date_hierarchy
        names |= {f"{hierarchy}__{part}" for part in ("year", "month", "day", "gte", "lt")}
    names |= {"parent", "first_seen_at__gte", "first_seen_at__year", "created_at__gte"}
    return [{name: value} for name in sorted(names) for value in HOSTILE]


@pytest.fixture
def superuser_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(user)
    client.user = user
    return client


def test_no_admin_url_answers_5xx_for_hostile_parameters(superuser_client, rf):
    ContactFactory()
    ContactMessageFactory(lead=UsersLeadFactory())
    request = rf.get("/admin/")
    request.user = superuser_client.user
    superuser_client.raise_request_exception = False  # collect every 5xx, not the first
    failures = []

    def visit(url, params=None):
        response = superuser_client.get(url, params or {})
        if response.status_code >= 500:
            failures.append((url, params))

    for model, model_admin in admin.site._registry.items():
        for url in admin_route_urls(model_admin):
            visit(url)
        changelist = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        export = changelist + "export/"
        has_export = any(str(p.pattern) == "export/" for p in model_admin.urls)
        for params in changelist_params(model_admin, request):
            visit(changelist, params)
            if has_export:
                visit(export, params)
        for value in HOSTILE:
            visit(
                "/admin/autocomplete/",
                {
                    "term": value,
                    "app_label": model._meta.app_label,
                    "model_name": model._meta.model_name,
                    "field_name": "id",
                },
            )
            content_type = ContentType.objects.get_for_model(model)
            visit(f"/admin/r/{content_type.pk}/{value.replace(chr(0), '%00')}/")
    for value in HOSTILE:
        visit("/admin/", {"q": value})
        visit("/admin/r/999999/" + value.replace("\x00", "%00") + "/")

    assert failures == [], "\n".join(map(repr, failures))


def test_a_nul_in_a_query_string_is_a_400_and_reaches_no_view(superuser_client):
    response = superuser_client.get("/admin/crm/contact/", {"q": "a\x00b"})
    assert response.status_code == 400
    assert b"NUL" in response.content
    api = superuser_client.get("/api/crm/contacts/", {"q": "a\x00b"})
    assert api.status_code == 400
    assert api.json()["code"] == "bad_request"


def test_an_unknown_api_address_is_the_json_404_in_development_too(client, settings):
    settings.DEBUG = True
    response = client.get("/api/no-such-endpoint/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_the_site_has_a_favicon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("img/favicon.svg")
    assert 'rel="icon"' in client.get("/").content.decode()


def test_a_converted_leads_convert_page_sends_back_to_the_lead(superuser_client):
    from django.utils import timezone

    lead = UsersLeadFactory(converted_contact=ContactFactory(), converted_at=timezone.now())
    lead.status = "CONVERTED"
    lead.save(update_fields=["status"])
    response = superuser_client.get(f"/admin/leads/userslead/{lead.pk}/convert/", follow=True)
    assert response.redirect_chain[-1][0] == f"/admin/leads/userslead/{lead.pk}/change/"
    assert "already converted" in response.content.decode()
