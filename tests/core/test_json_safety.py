"""Hostile JSON is a 400 everywhere (issue 16): deep nesting, big bodies, NUL bytes and lone
surrogates, in the public endpoints, the staff API, custom fields, tags and admin JSON fields."""

import json

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from core import json_safety
from crm import services
from crm.models import Contact, ContactIntegration, Tag
from leads.models import ContactMessage, LeadEvent, UsersLead
from tests.api_support import world_fixture  # noqa: F401
from tests.crm.factories import ContactFactory, OrganizationFactory

DEEP = "[" * 1000 + "]" * 1000  # 2 KB, a RecursionError for json.loads
CONTACT = {"name": "Meera", "email": "meera@example.com", "subject": "Listing", "message": "x" * 30}
CONTACTS_URL = "/api/crm/contacts/"


def raw(client, method, url, text):
    return getattr(client, method)(url, data=text, content_type="application/json")


# The helper -----------------------------------------------------------------------------------


def test_depth_is_checked_without_recursion_and_ignores_brackets_in_strings():
    with pytest.raises(json_safety.JSONTooDeep):
        json_safety.loads(DEEP)
    with pytest.raises(json_safety.JSONTooDeep):
        json_safety.loads('{"a":' * 33 + "1" + "}" * 33)
    assert json_safety.loads('{"a":' * 32 + "1" + "}" * 32) is not None
    assert json_safety.loads(json.dumps({"text": "[" * 5000 + '\\"{'})) == {
        "text": "[" * 5000 + '\\"{'
    }
    with pytest.raises(json_safety.JSONTooDeep):
        json_safety.loads("[" * 100_000)  # unterminated: refused on depth, not parsed


@pytest.mark.parametrize(
    ("value", "path"),
    [
        ({"a": "ok", "b": ["x", "y\x00"]}, ["b", 1]),
        ({"a\x00": 1}, ["a\x00"]),
        ({"a": {"\ud800": 1}}, ["a", "\ud800"]),
        ("\udfff", []),
        ({"a": ["fine", 1, None, True]}, None),
    ],
)
def test_unsafe_string_path(value, path):
    assert json_safety.unsafe_string_path(value) == path


def test_the_validator_names_where_the_character_is():
    with pytest.raises(ValidationError) as caught:
        json_safety.validate_safe_strings({"a\x00": "x"})
    assert caught.value.messages[0].endswith("(a\\u0000)")


# Public endpoints -----------------------------------------------------------------------------


def _nothing_written():
    return not any(m.objects.exists() for m in (UsersLead, LeadEvent, ContactMessage))


@pytest.mark.django_db
@pytest.mark.parametrize("signed_in", [False, True])
def test_deep_json_on_the_public_contact_endpoint_is_a_400(signed_in):
    client = APIClient()
    if signed_in:
        client.force_login(get_user_model().objects.create_superuser("root", "r@x.com", "pw"))
    assert len(DEEP) <= 2048

    response = raw(client, "post", "/api/contact/", DEEP)

    assert response.status_code == 400
    assert "deeper than 32" in response.json()["detail"]
    assert _nothing_written()


@pytest.mark.django_db
@pytest.mark.parametrize("bad", ["\\u0000", "\\ud800", "a\\udfffb"])
@pytest.mark.parametrize("field", ["name", "message", "subject"])
def test_nul_and_lone_surrogates_on_the_public_endpoint_are_a_field_error(field, bad):
    body = json.dumps(CONTACT)[:-1] + f', "{field}": "x{bad}y"}}'

    response = raw(APIClient(), "post", "/api/contact/", body)

    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert _nothing_written()


@pytest.mark.django_db
def test_an_oversized_body_is_refused_before_parsing(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({**CONTACT, "message": "m" * 2000})

    response = raw(APIClient(), "post", "/api/contact/", body)

    assert response.status_code in (400, 413)
    assert _nothing_written()


# Staff API ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_deep_json_on_the_staff_api_is_a_400_signed_in_or_not(world):
    for client in (world.a, world.anonymous):
        response = raw(client, "post", CONTACTS_URL, DEEP)
        assert response.status_code in (400, 401), response.content
        if client is world.a:
            assert response.status_code == 400
    deep_custom = (
        f'{{"organization": "{world.org_a.pk}", "name": "Asha", "custom_fields": {{"a": {DEEP}}}}}'
    )
    assert raw(world.a, "post", CONTACTS_URL, deep_custom).status_code == 400
    assert not Contact.objects.exists()


def _field_errors(response) -> str:
    return json.dumps(response.json())


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fragment", "field"),
    [
        ('"custom_fields": {"a\\u0000": 1}', "custom_fields"),
        ('"custom_fields": {"a": "x\\u0000"}', "custom_fields"),
        ('"custom_fields": {"\\ud800": 1}', "custom_fields"),
        ('"custom_fields": {"a": "\\udc00"}', "custom_fields"),
        ('"tags": ["vip", "x\\u0000"]', "tags"),
        ('"tags": ["\\ud800"]', "tags"),
        ('"address": "1 Road\\u0000"', "address"),
    ],
)
def test_nul_and_surrogates_in_the_staff_api_are_a_field_error_on_post_and_patch(
    world, fragment, field
):
    body = f'{{"organization": "{world.org_a.pk}", "name": "Asha", {fragment}}}'

    created = raw(world.a, "post", CONTACTS_URL, body)

    assert created.status_code == 400, created.content
    assert field in created.json(), created.content
    assert not Contact.objects.exists()
    assert not Tag.objects.exists()

    contact = ContactFactory(organization=world.org_a, custom_fields={"keep": 1}, address="1 Road")
    patched = raw(world.a, "patch", f"{CONTACTS_URL}{contact.pk}/", "{" + fragment + "}")

    assert patched.status_code == 400, patched.content
    assert field in patched.json()
    contact.refresh_from_db()
    assert contact.custom_fields == {"keep": 1}
    assert contact.address == "1 Road"
    assert not contact.tags.exists()


@pytest.mark.django_db
def test_the_service_refuses_unsafe_custom_fields_so_imports_do_too():
    organization = OrganizationFactory()
    with pytest.raises(ValidationError) as caught:
        services.contact_create(organization=organization, name="Asha", custom_fields={"a": "\x00"})
    assert "custom_fields" in caught.value.message_dict
    assert not Contact.objects.exists()


# Admin forms ----------------------------------------------------------------------------------


@pytest.fixture
def admin_client_pg(db):
    client = Client()
    client.force_login(get_user_model().objects.create_superuser("root", "r@x.com", "pw"))
    return client


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "value"),
    [("a\x00", "1"), ("a", "x\x00y"), ("a", '"\\u0000"'), ("a", '"\\ud800"'), ("a", DEEP)],
)
def test_the_contact_admin_form_refuses_unsafe_custom_fields(admin_client_pg, name, value):
    contact = ContactFactory(custom_fields={"keep": 1})
    url = reverse("admin:crm_contact_change", args=[contact.pk])
    page = admin_client_pg.get(url)
    data = {
        key: value
        for key, value in page.context["adminform"].form.initial.items()
        if value is not None and key != "custom_fields"
    }
    data.update(
        {
            "organization": contact.organization_id,
            "custom_fields-rows": "1",
            "custom_fields-name": name,
            "custom_fields-value": value,
        }
    )
    for formset in page.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        for key, item in management.initial.items():
            data[f"{management.prefix}-{key}"] = item

    response = admin_client_pg.post(url, data)

    contact.refresh_from_db()
    if value == DEEP:
        # A deep value typed in a row is kept as the text it is, not parsed.
        assert response.status_code == 302, response.context["adminform"].form.errors
        assert contact.custom_fields == {"a": DEEP}
    else:
        assert response.status_code == 200
        assert "custom_fields" in response.context["adminform"].form.errors
        assert contact.custom_fields == {"keep": 1}


@pytest.mark.django_db
@pytest.mark.parametrize("text", [DEEP, '{"a": "\\u0000"}', '{"\\ud800": 1}'])
def test_admin_json_fields_refuse_deep_nul_and_surrogates(admin_client_pg, text):
    contact = ContactFactory()
    integration = ContactIntegration.objects.create(
        contact=contact, provider="hubspot", external_id="1", external_data={"keep": 1}
    )
    url = reverse("admin:crm_contactintegration_change", args=[integration.pk])
    form = admin_client_pg.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update({"contact": contact.pk, "external_data": text})

    response = admin_client_pg.post(url, data)

    assert response.status_code == 200
    assert "external_data" in response.context["adminform"].form.errors
    integration.refresh_from_db()
    assert integration.external_data == {"keep": 1}
