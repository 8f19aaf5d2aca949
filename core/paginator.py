"""A paginator that does not count a large table row by row."""

import json

from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
from django.utils.functional import cached_property

# Below this many rows (as the planner estimates them) an exact COUNT(*) is cheap and is used.
EXACT_COUNT_BELOW = 10_000


def planner_row_estimate(queryset: QuerySet) -> int | None:
    """Return PostgreSQL's planner estimate of how many rows ``queryset`` yields, or None.

    EXPLAIN plans the query without running it, so this costs the same on any table size.
    """
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    try:
        sql, params = queryset.order_by().query.sql_with_params()
    except EmptyResultSet:  # .none(), or a filter that can match nothing (a malformed id)
        return 0
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


def planner_row_estimates(querysets: list[QuerySet]) -> list[int] | None:
    """Return the planner's row estimates of ``querysets`` in one query, or None off PostgreSQL.

    One call of ``leadcrm_row_estimates`` (core migration 0003), which EXPLAINs each query in
    turn: the same single round trip for any number of querysets on any table size. The
    querysets' parameters are bound by psycopg on the client (``compose_sql``), as the text
    of each query must stand alone.
    """
    if not querysets:
        return []
    alias = querysets[0].db
    connection = connections[alias]
    if connection.vendor != "postgresql":
        return None
    queries = []
    for queryset in querysets:
        if queryset.db != alias:
            raise ValueError("planner_row_estimates needs querysets of one database")
        sql, params = queryset.order_by().query.sql_with_params()
        queries.append(connection.ops.compose_sql(sql, params))
    with connection.cursor() as cursor:
        cursor.execute("SELECT leadcrm_row_estimates(%s::text[])", [queries])
        return [int(rows) for rows in cursor.fetchone()[0]]


class EstimatedCountPaginator(Paginator):
    """Count exactly when the result is small; above ``exact_count_below`` use the estimate.

    For admin changelists, together with ``show_full_result_count = False``: the page links
    keep working (a page past the real end is just empty), and a big list no longer reads every
    row to print its total.
    """

    exact_count_below = EXACT_COUNT_BELOW

    @cached_property
    def count(self) -> int:
        if isinstance(self.object_list, QuerySet):
            estimate = planner_row_estimate(self.object_list)
            if estimate is not None and estimate >= self.exact_count_below:
                return estimate
        return super().count
