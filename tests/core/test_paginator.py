"""The changelist paginator: exact counts for small results, the planner's estimate above."""

import pytest
from django.db import connection
from django.utils import timezone

from core.paginator import EstimatedCountPaginator, planner_row_estimate, planner_row_estimates
from leads.models import UsersLead
from tests.leads.factories import UsersLeadFactory

pytestmark = pytest.mark.django_db


def test_a_small_result_is_counted_exactly():
    UsersLeadFactory.create_batch(3)

    paginator = EstimatedCountPaginator(UsersLead.objects.order_by("pk"), per_page=2)

    assert paginator.count == 3
    assert paginator.num_pages == 2


def test_sqlite_has_no_estimate_and_counts_exactly():
    if connection.vendor == "postgresql":
        pytest.skip("SQLite's path")
    UsersLeadFactory.create_batch(3)
    paginator = EstimatedCountPaginator(UsersLead.objects.order_by("pk"), per_page=2)
    paginator.exact_count_below = 1

    assert planner_row_estimate(UsersLead.objects.all()) is None
    assert paginator.count == 3


def test_above_the_threshold_postgres_uses_the_planner_estimate(postgres_only):
    UsersLeadFactory.create_batch(40)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE users_leads")
    queryset = UsersLead.objects.order_by("-last_seen_at")
    paginator = EstimatedCountPaginator(queryset, per_page=10)
    paginator.exact_count_below = 5

    estimate = planner_row_estimate(queryset)

    # Freshly analyzed, the estimate is the table's size; the paginator reports it without a
    # COUNT(*), and every page link up to it still opens.
    assert estimate == 40
    assert paginator.count == estimate
    assert [len(paginator.page(n).object_list) for n in paginator.page_range] == [10] * 4


def test_a_filtered_result_is_estimated_from_its_own_plan(postgres_only):
    UsersLeadFactory.create_batch(30, name="")
    UsersLeadFactory.create_batch(10, name="Asha")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE users_leads")

    assert planner_row_estimate(UsersLead.objects.filter(name="Asha")) == 10


def test_several_estimates_in_one_query_match_one_explain_each(
    postgres_only, django_assert_num_queries
):
    UsersLeadFactory.create_batch(30, name="", source="OTHER")
    UsersLeadFactory.create_batch(10, name="Asha", source="CHOICES")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE users_leads")
    querysets = [
        UsersLead.objects.all(),
        UsersLead.objects.filter(name="Asha"),
        UsersLead.objects.filter(name="O'Brien; DROP TABLE users_leads"),  # quoted, not run
        UsersLead.objects.filter(source="OTHER", first_seen_at__gte=timezone.now()),
    ]
    singles = [planner_row_estimate(queryset) for queryset in querysets]

    with django_assert_num_queries(1):
        together = planner_row_estimates(querysets)

    assert together == singles
    assert together[:2] == [40, 10]
    assert UsersLead.objects.count() == 40


def test_no_estimates_off_postgresql_and_none_asked(db):
    assert planner_row_estimates([]) == []
    if connection.vendor != "postgresql":
        assert planner_row_estimates([UsersLead.objects.all()]) is None
