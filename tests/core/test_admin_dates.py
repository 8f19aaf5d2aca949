from datetime import timedelta

import pytest
from django.db.models import Max, Min
from django.utils import timezone

from core.admin_dates import with_probed_dates
from leads.models import UsersLead
from tests.leads.factories import UsersLeadFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def spread():
    now = timezone.now()
    for n, days in enumerate([0, 0, 1, 3, 35, 70, 400, 800]):
        moment = now - timedelta(days=days, hours=n)
        UsersLeadFactory(
            email=f"d{n}@example.com", name=f"N{n % 2}", first_seen_at=moment, last_seen_at=moment
        )


@pytest.mark.parametrize("kind", ["year", "month", "day"])
@pytest.mark.parametrize("filtered", [False, True], ids=["all", "filtered"])
def test_probed_dates_match_djangos_distinct_dates(spread, kind, filtered):
    queryset = UsersLead.objects.filter(name="N1") if filtered else UsersLead.objects.all()

    probed = with_probed_dates(queryset).datetimes("first_seen_at", kind)

    assert list(probed) == list(queryset.datetimes("first_seen_at", kind))
    assert list(with_probed_dates(queryset).datetimes("first_seen_at", kind, order="DESC")) == (
        list(queryset.datetimes("first_seen_at", kind, order="DESC"))
    )


@pytest.mark.parametrize("filtered", [False, True], ids=["all", "filtered"])
def test_min_and_max_match(spread, filtered):
    queryset = UsersLead.objects.filter(name="N0") if filtered else UsersLead.objects.all()
    bounds = {"first": Min("first_seen_at"), "last": Max("first_seen_at")}

    assert with_probed_dates(queryset).aggregate(**bounds) == queryset.aggregate(**bounds)


def test_day_probes_are_bounded(spread, django_assert_max_num_queries):
    month = timezone.localtime()
    queryset = UsersLead.objects.filter(
        first_seen_at__year=month.year, first_seen_at__month=month.month
    )

    # One probe per day holding rows, plus the probe that finds none: at most 32.
    with django_assert_max_num_queries(33):
        days = with_probed_dates(queryset).datetimes("first_seen_at", "day")

    assert days == list(queryset.datetimes("first_seen_at", "day"))
