"""Admin bases that every app's pages share; nothing is registered here."""

from django.contrib import admin
from django.http import Http404

from core.json_safety import JSON_FORMFIELD_OVERRIDES
from core.paginator import EstimatedCountPaginator


class LargeTableAdminMixin:
    """A page over a table that grows: its list never counts the table row by row, its JSON
    fields refuse hostile input, and a row out of the user's reach is simply not found."""

    # The planner's estimate above 10,000 rows instead of an exact COUNT(*) on every page.
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    # Facet counts are a COUNT per filter choice over the whole table: never on big lists.
    show_facets = admin.ShowFacets.NEVER
    # JSON fields refuse too deep nesting, NUL bytes and lone surrogates (core/json_safety.py).
    formfield_overrides = JSON_FORMFIELD_OVERRIDES

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        # Another organization's record (or none at all) is "not found": no redirect that
        # tells the two apart.
        raise Http404(f"No {opts.verbose_name} with this id.")
