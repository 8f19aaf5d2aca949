"""The base of querysets that narrow themselves to what a user may see.

The staff API's views (core/staff_api.py) scope every queryset of this kind to the caller;
the apps say how (crm/scoping.py: by organization).
"""

from django.db import models


class UserScopedQuerySet(models.QuerySet):
    def for_user(self, user) -> "UserScopedQuerySet":
        """Return the rows ``user`` may see."""
        raise NotImplementedError
