"""Organization scoping: which organizations' records a staff member may see and change.

A staff member who belongs to organizations (``OrganizationMembership``) works only inside
them; platform staff (no membership) and superusers see every organization. Written once and
used everywhere records are listed or picked:

- ``Model.objects.for_user(user)`` on every scoped model (contacts, CRM records, tags,
  organizations, and the LMS models, which declare their own ``organization_path``);
- ``OrganizationScopedAdminMixin`` (crm/admin_scoping.py) for admin classes: changelists,
  change pages, pickers, autocomplete and related-field filters;
- ``organization_ids_for(user)`` for anything else (the dashboard, the API's permission checks).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models

from core.scoping import UserScopedQuerySet

if TYPE_CHECKING:
    from uuid import UUID

# Cached on the user object for the request, so scoping costs one query per request at most.
_CACHE_ATTRIBUTE = "_crm_organization_ids"


def organization_ids_for(user) -> frozenset[UUID] | None:
    """Return the ids of the organizations ``user`` is confined to, or None for all of them.

    None means unrestricted: superusers and platform staff (staff with no membership). An
    anonymous or inactive user is confined to nothing (an empty set).
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return frozenset()
    if user.is_superuser:
        return None
    cached = getattr(user, _CACHE_ATTRIBUTE, False)
    if cached is not False:
        return cached
    # Through the user's reverse relation (OrganizationMembership.user), not crm.models, which
    # imports this module.
    ids = frozenset(user.organization_memberships.values_list("organization_id", flat=True))
    scope = ids or None
    setattr(user, _CACHE_ATTRIBUTE, scope)
    return scope


def forget_organization_ids(user) -> None:
    """Drop the cached scope of ``user`` (after its memberships changed)."""
    if hasattr(user, _CACHE_ATTRIBUTE):
        delattr(user, _CACHE_ATTRIBUTE)


def user_can_access_organization(user, organization_id) -> bool:
    """Return whether ``user`` may see and change records of ``organization_id``."""
    scope = organization_ids_for(user)
    return scope is None or organization_id in scope


class OrganizationScopedQuerySet(UserScopedQuerySet):
    """A queryset that knows the path from its model to the owning organization's id.

    The model sets ``organization_path`` (default ``"organization"``); ``"pk"`` for the
    organization itself.
    """

    def for_user(self, user) -> OrganizationScopedQuerySet:
        """Return the rows ``user`` may see: all of them, or those of its organizations."""
        scope = organization_ids_for(user)
        if scope is None:
            return self
        path = getattr(self.model, "organization_path", "organization")
        lookup = "pk__in" if path == "pk" else f"{path}_id__in"
        return self.filter(**{lookup: scope})


OrganizationScopedManager = models.Manager.from_queryset(OrganizationScopedQuerySet)
