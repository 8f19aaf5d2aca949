"""Helpers for the staff API tests: permissions, Bearer clients, two organizations' staff."""

from dataclasses import dataclass

import pytest
from rest_framework.test import APIClient

from accounts.api_tokens import api_token_create
from crm.models import Organization
from tests.crm.factories import (
    OrganizationFactory,
    OrganizationMembershipFactory,
    StaffUserFactory,
    add_permissions,
)

CRM_MODELS = [
    "organization",
    "contact",
    "contactnote",
    "appointment",
    "message",
    "task",
    "tag",
    "contactintegration",
]
LMS_MODELS = ["course", "chapter", "lesson", "enrollment", "lessonprogress"]
LEADS_MODELS = ["userslead", "leadevent"]


def all_permissions() -> list[str]:
    perms = [
        f"crm.{action}_{model}"
        for model in CRM_MODELS
        for action in ("view", "add", "change", "delete")
    ]
    perms += [f"lms.view_{model}" for model in LMS_MODELS]
    perms += [f"leads.view_{model}" for model in LEADS_MODELS]
    perms.append("leads.convert_userslead")
    return perms


def grant(user, *perms: str):
    """Give ``user`` the permissions ``app_label.codename``; return it with fresh caches."""
    add_permissions(user, perms)
    return type(user).objects.get(pk=user.pk)


def bearer_client(user) -> APIClient:
    """Return an API client that sends a fresh token of ``user``."""
    _, token = api_token_create(user=user, name="tests")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


@dataclass
class World:
    org_a: Organization
    org_b: Organization
    member_a: object
    member_b: object
    platform: object
    a: APIClient  # member of A, every permission
    b: APIClient  # member of B, every permission
    staff: APIClient  # platform staff (no membership), every permission
    anonymous: APIClient


@pytest.fixture(name="world")
def world_fixture(db) -> World:
    org_a, org_b = OrganizationFactory(name="Agency A"), OrganizationFactory(name="Agency B")
    member_a = grant(OrganizationMembershipFactory(organization=org_a).user, *all_permissions())
    member_b = grant(OrganizationMembershipFactory(organization=org_b).user, *all_permissions())
    platform = grant(StaffUserFactory(), *all_permissions())
    return World(
        org_a=org_a,
        org_b=org_b,
        member_a=member_a,
        member_b=member_b,
        platform=platform,
        a=bearer_client(member_a),
        b=bearer_client(member_b),
        staff=bearer_client(platform),
        anonymous=APIClient(),
    )
