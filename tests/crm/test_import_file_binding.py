"""The confirm step of a contacts import accepts only its uploader's signed file token (issue 16)."""

import os
import tempfile

import pytest
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from crm.import_files import SALT, ImportFileGone, sign_import_key, unsign_import_key
from crm.models import Contact
from tests.crm.factories import OrganizationFactory

pytestmark = pytest.mark.django_db

IMPORT_URL = reverse("admin:crm_contact_import")
PROCESS_URL = reverse("admin:crm_contact_process_import")


def _superuser_client(username):
    user = get_user_model().objects.create_superuser(username, f"{username}@example.com", "pw")
    client = Client()
    client.force_login(user)
    return user, client


def _preview(client, organization, text="name,email\nAsha,asha@example.com\n"):
    upload = SimpleUploadedFile("contacts.csv", text.encode(), content_type="text/csv")
    response = client.post(
        IMPORT_URL,
        {"import_file": upload, "format": "0", "resource": "0", "organization": organization.pk},
    )
    assert response.status_code == 200
    return dict(response.context["confirm_form"].initial)


def _stored_key(user, initial):
    return unsign_import_key(initial["import_file_name"], user)


def _file_exists(key):
    # The test settings keep import files in the temporary folder (import-export's default).
    return os.path.exists(os.path.join(tempfile.gettempdir(), key))


def test_the_form_carries_a_signed_token_not_a_file_name():
    organization = OrganizationFactory()
    user, client = _superuser_client("uploader")
    initial = _preview(client, organization)
    key = _stored_key(user, initial)
    assert initial["import_file_name"] != key
    assert signing.loads(initial["import_file_name"], salt=SALT) == {"k": key, "u": user.pk}
    assert _file_exists(key)

    response = client.post(PROCESS_URL, initial)

    assert response.status_code == 302
    assert Contact.objects.filter(organization=organization, email="asha@example.com").exists()
    assert not _file_exists(key)


def test_a_tampered_token_is_a_400_and_nothing_is_imported():
    organization = OrganizationFactory()
    user, client = _superuser_client("uploader")
    initial = _preview(client, organization)
    key = _stored_key(user, initial)

    for bad in (initial["import_file_name"] + "x", key, "../../etc/passwd", "", "a:b:c"):
        response = client.post(PROCESS_URL, {**initial, "import_file_name": bad})
        assert response.status_code == 400, bad
        assert b"upload it again" in response.content or bad == ""

    assert not Contact.objects.exists()
    assert _file_exists(key)


def test_another_users_token_is_refused_and_their_file_stays():
    organization = OrganizationFactory()
    owner, owner_client = _superuser_client("owner")
    _, intruder_client = _superuser_client("intruder")
    initial = _preview(owner_client, organization)
    key = _stored_key(owner, initial)

    response = intruder_client.post(PROCESS_URL, initial)

    assert response.status_code == 400
    assert b"uploaded by someone else" in response.content
    assert not Contact.objects.exists()
    assert _file_exists(key)
    # The owner still imports their own file.
    assert owner_client.post(PROCESS_URL, initial).status_code == 302
    assert Contact.objects.count() == 1


def test_a_validly_signed_path_never_reaches_the_file_system():
    organization = OrganizationFactory()
    user, client = _superuser_client("uploader")
    initial = _preview(client, organization)
    key = _stored_key(user, initial)
    # Even a token signed with the project's key refuses a key of another shape.
    for name in ("../" + key, "..", "/etc/passwd", "a/b"):
        forged = signing.dumps({"k": name, "u": user.pk}, salt=SALT)
        response = client.post(PROCESS_URL, {**initial, "import_file_name": forged})
        assert response.status_code == 400
    with pytest.raises(ImportFileGone):
        sign_import_key("../x", user)
    assert not Contact.objects.exists()
    assert _file_exists(key)


def test_confirming_twice_or_an_unknown_key_is_a_400_not_a_500():
    organization = OrganizationFactory()
    user, client = _superuser_client("uploader")
    initial = _preview(client, organization)
    assert client.post(PROCESS_URL, initial).status_code == 302
    assert Contact.objects.count() == 1

    again = client.post(PROCESS_URL, initial)
    unknown = client.post(
        PROCESS_URL, {**initial, "import_file_name": sign_import_key("tmpnothere1", user)}
    )

    assert again.status_code == 400
    assert unknown.status_code == 400
    assert b"upload it again" in again.content
    assert Contact.objects.count() == 1
