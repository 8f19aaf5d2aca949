"""Query expressions the apps share."""

from django.db.models import Count, IntegerField, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce


def correlated_count(queryset: QuerySet, group_by: str, *, distinct: str | None = None):
    """One correlated COUNT of ``queryset`` (already filtered on an OuterRef), grouped by
    ``group_by``: a list shows a figure per row without a query per row, and 0 for none.

    ``distinct`` counts distinct values of that field instead of rows.
    """
    counted = Count(distinct, distinct=True) if distinct else Count("pk")
    return Coalesce(
        Subquery(
            queryset.order_by().values(group_by).annotate(n=counted).values("n"),
            output_field=IntegerField(),
        ),
        Value(0),
    )
