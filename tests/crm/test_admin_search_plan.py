"""On PostgreSQL, contact search and the admin lists use their indexes at 200,000 contacts."""

import pytest
from django.contrib.admin.sites import site
from django.db import connection
from django.test import RequestFactory

from crm.models import Contact
from tests.crm.factories import OrganizationFactory

pytestmark = pytest.mark.postgres

ROWS = 200_000


@pytest.fixture
def many_contacts(postgres_only, admin_user):
    organization = OrganizationFactory()
    with connection.cursor() as cursor:
        # Set-based: 200,000 rows in one statement, then fresh planner statistics.
        cursor.execute(
            """
            INSERT INTO crm_contact (id, organization_id, contact_type, name, email, phone,
                                     address, timezone, custom_fields, created_at, updated_at)
            SELECT md5(n::text)::uuid, %s, 'INDIVIDUAL',
                   (ARRAY['Asha','Ravi','Meera','Priya','Arjun'])[1 + n %% 5] || ' Person ' || n,
                   'contact' || n || '@example.com', '+91 98' || lpad(n::text, 8, '0'),
                   '', '', '{}'::jsonb, now(), now()
            FROM generate_series(1, %s) AS n
            """,
            [organization.pk, ROWS],
        )
        cursor.execute("ANALYZE crm_contact")
    yield organization
    # ANALYZE writes the table's row estimate in place: the test's rollback would leave
    # "200,000 rows" behind for the tests after it (the dashboard reads those estimates).
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM crm_contact WHERE organization_id = %s", [organization.pk])
        cursor.execute("ANALYZE crm_contact")


def _plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def _admin_search(admin_user, term: str):
    request = RequestFactory().get("/admin/crm/contact/", {"q": term})
    request.user = admin_user
    model_admin = site._registry[Contact]
    queryset, _ = model_admin.get_search_results(request, model_admin.get_queryset(request), term)
    return queryset


def test_contact_search_and_list_use_their_indexes_at_200000_rows(many_contacts, admin_user):
    # One test, one 200,000-row table: searching by any part of a name, by the start of an
    # email or a phone, and paging the list in name order, for everyone and per organization.
    by_name = _plan(_admin_search(admin_user, "son 1234"))
    by_email = _plan(_admin_search(admin_user, "contact12345@"))
    by_phone = _plan(_admin_search(admin_user, "+91 9800012"))
    request = RequestFactory().get("/admin/crm/contact/")
    request.user = admin_user
    changelist = site._registry[Contact].get_changelist_instance(request)
    first_page = _plan(changelist.get_queryset(request)[:100])
    per_organization = _plan(
        changelist.get_queryset(request).filter(organization=many_contacts)[:100]
    )

    assert "crm_contact_name_trgm_idx" in by_name, by_name
    assert "crm_contact_fold_trgm_idx" in by_name, by_name  # the name without accents
    assert "crm_contact_email_trgm_idx" in by_email, by_email
    assert "crm_contact_phone_trgm_idx" in by_phone, by_phone
    for plan in (by_name, by_email, by_phone, first_page, per_organization):
        assert "Seq Scan on crm_contact " not in plan + " ", plan
    # The page is read in index order: no sort of the whole table before the LIMIT.
    for plan in (first_page, per_organization):
        assert "crm_contact_name_idx" in plan or "crm_contact_org_name_idx" in plan, plan
        assert "Sort" not in plan, plan
