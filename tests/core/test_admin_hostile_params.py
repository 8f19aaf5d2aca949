"""No admin URL answers 5xx for a malformed parameter (issue 16).

Crawls every registered ModelAdmin as a superuser: its changelist with hostile values in the
search, every list filter, the date hierarchy and plain field lookups; its add page; change,
history and delete pages and its custom URLs (``get_urls``) with ids that are not ids; export
where present; autocomplete with a hostile ``term``; and the "view on site" redirect. Run on
SQLite and PostgreSQL (where NUL bytes in a query are a DataError).
"""

import re
from urllib.parse import quote

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.test import Client
from django.urls import URLPattern, reverse

from crm.models import Contact
from leads.models import UsersLead
from tests.crm.factories import ContactFactory

pytestmark = pytest.mark.django_db

# Each value is already URL-encoded: a lone surrogate's UTF-8 bytes cannot be built from a str.
HOSTILE_VALUES = [
    "not-a-uuid",
    "%00",
    "abc%00def",
    "99999999999999999999999",
    "..%2F..",
    "%ED%A0%80",
    "2026-13-45",
]
HOSTILE_IDS = ["not-a-uuid", "..", "%00", "99999999999999999999999", "-1", "a%00b"]
STANDARD_VIEWS = {"changelist", "add", "history", "delete", "change"}


def _superuser_client() -> Client:
    user = get_user_model().objects.create_superuser("crawler", "crawler@example.com", "pw")
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def _filter_parameters(model_admin) -> list[str]:
    model = model_admin.model
    params = set()
    for entry in model_admin.list_filter:
        if isinstance(entry, str | tuple):
            name = entry if isinstance(entry, str) else entry[0]
            params |= {name, f"{name}__exact", f"{name}__isnull", f"{name}__id__exact"}
            params |= {f"{name}__gte", f"{name}__lt", f"{name}__in"}
        else:
            parameter_name = getattr(entry, "parameter_name", None)
            if parameter_name:
                params |= {parameter_name, f"{parameter_name}__gte", f"{parameter_name}__lt"}
    if model_admin.date_hierarchy:
        name = model_admin.date_hierarchy
        params |= {f"{name}__year", f"{name}__month", f"{name}__day", f"{name}__gte"}
        params |= {f"{name}__lt"}
    for field in model._meta.concrete_fields:
        params.add(field.name)
        if isinstance(field, models.ForeignKey):
            params.add(field.attname)
        if isinstance(field, models.DateField | models.DateTimeField):
            params |= {f"{field.name}__gte", f"{field.name}__year"}
    params |= {"o", "p", "e", "_to_field", "_popup"}
    return sorted(params)


def _admin_url(model_admin, view: str, *args) -> str:
    opts = model_admin.model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


def _custom_routes(model_admin) -> list[str]:
    """The custom URLs of ``model_admin``, each with a placeholder ``{id}`` for its argument."""
    opts = model_admin.model._meta
    base = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    routes = []
    for pattern in model_admin.get_urls():
        if not isinstance(pattern, URLPattern) or not pattern.name:
            continue
        suffix = pattern.name.removeprefix(f"{opts.app_label}_{opts.model_name}_")
        if suffix in STANDARD_VIEWS:
            continue
        route = str(pattern.pattern)
        if route.startswith("^"):  # a regex pattern: not ours
            continue
        routes.append(base + re.sub(r"<[^>]+>", "{id}", route))
    return routes


def _assert_no_5xx(client, method: str, url: str, failures: list) -> None:
    response = getattr(client, method)(url)
    if response.status_code >= 500:
        failures.append(f"{method.upper()} {url} -> {response.status_code}")


def _crawl(client, model_admin) -> list[str]:
    failures: list[str] = []
    changelist = _admin_url(model_admin, "changelist")
    _assert_no_5xx(client, "get", changelist, failures)
    for value in HOSTILE_VALUES:
        _assert_no_5xx(client, "get", f"{changelist}?q={value}", failures)
    for param in _filter_parameters(model_admin):
        for value in HOSTILE_VALUES:
            _assert_no_5xx(client, "get", f"{changelist}?{quote(param)}={value}", failures)
    _assert_no_5xx(client, "get", _admin_url(model_admin, "add"), failures)
    for object_id in HOSTILE_IDS:
        for view in ("change", "history", "delete"):
            url = _admin_url(model_admin, view, "ID").replace("ID", object_id)
            _assert_no_5xx(client, "get", url, failures)
        _assert_no_5xx(client, "post", url, failures)  # the delete confirmation
        for route in _custom_routes(model_admin):
            url = route.replace("{id}", object_id)
            _assert_no_5xx(client, "get", url, failures)
            _assert_no_5xx(client, "post", url, failures)
    return failures


REGISTRY = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


@pytest.mark.parametrize(
    "model_admin", [ma for _, ma in REGISTRY], ids=[m._meta.label for m, _ in REGISTRY]
)
def test_no_admin_url_of_the_model_answers_5xx_for_hostile_parameters(model_admin):
    client = _superuser_client()
    ContactFactory()  # one row somewhere, so filtered lists run their queries over data
    counts = _row_counts()

    failures = _crawl(client, model_admin)

    assert failures == []
    assert _row_counts() == counts  # nothing written, nothing deleted


def _row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model, _ in REGISTRY}


def test_export_and_autocomplete_and_view_on_site_never_answer_5xx():
    client = _superuser_client()
    ContactFactory()
    counts = _row_counts()
    failures: list[str] = []
    for model, model_admin in REGISTRY:
        opts = model._meta
        if hasattr(model_admin, "export_action"):
            export = reverse(f"admin:{opts.app_label}_{opts.model_name}_export")
            params = _filter_parameters(model_admin) + ["q"]
            for param in params:
                for value in HOSTILE_VALUES:
                    url = f"{export}?{quote(param)}={value}"
                    _assert_no_5xx(client, "get", url, failures)
                    response = client.post(url, {"format": "0", "resource": "0"})
                    if response.status_code >= 500:
                        failures.append(f"POST {url} -> {response.status_code}")
        for field_name in model_admin.autocomplete_fields:
            for value in HOSTILE_VALUES:
                url = (
                    f"{reverse('admin:autocomplete')}?app_label={opts.app_label}"
                    f"&model_name={opts.model_name}&field_name={field_name}&term={value}"
                )
                _assert_no_5xx(client, "get", url, failures)
        content_type = ContentType.objects.get_for_model(model)
        for object_id in HOSTILE_IDS:
            url = f"/admin/r/{content_type.pk}/{object_id}/"
            _assert_no_5xx(client, "get", url, failures)
    for value in HOSTILE_VALUES:
        _assert_no_5xx(client, "get", f"/admin/r/{value}/{value}/", failures)
        _assert_no_5xx(client, "get", f"{reverse('admin:autocomplete')}?term={value}", failures)

    assert failures == []
    assert _row_counts() == counts


@pytest.mark.parametrize(
    "url",
    [
        "/admin/crm/contact/?parent=not-a-uuid",
        "/admin/crm/contact/?q=%00",
        "/admin/crm/contact/?contact_type=%00",
        "/admin/leads/userslead/not-a-uuid/convert/",
        "/admin/leads/userslead/export/?first_seen_at__year=abc",
        "/admin/leads/userslead/export/?first_seen_at__gte=notadate",
        "/admin/leads/userslead/?first_seen_at__gte=notadate",
    ],
)
def test_the_reported_urls_are_refused_cleanly(url):
    client = _superuser_client()
    ContactFactory()
    counts = (Contact.objects.count(), UsersLead.objects.count())

    response = client.get(url)

    assert response.status_code in (200, 302, 400, 404), (url, response.status_code)
    assert (Contact.objects.count(), UsersLead.objects.count()) == counts


def test_a_nul_byte_in_an_admin_or_api_url_is_a_400():
    from tests.api_support import bearer_client
    from tests.crm.factories import StaffUserFactory

    client = _superuser_client()
    api = bearer_client(StaffUserFactory(is_superuser=True))
    for url in ("/admin/crm/contact/?q=%00", "/admin/autocomplete/?term=a%00"):
        assert client.get(url).status_code == 400, url
    assert api.get("/api/crm/contacts/?q=%00").status_code == 400
