"""Organization scoping for admin classes; the rules themselves live in crm/scoping.py."""

from typing import Any

from django.contrib import admin
from django.db import models

from crm.scoping import OrganizationScopedQuerySet


def _scoped(queryset: models.QuerySet, user) -> models.QuerySet:
    return queryset.for_user(user) if isinstance(queryset, OrganizationScopedQuerySet) else queryset


class ScopedRelatedFieldListFilter(admin.RelatedFieldListFilter):
    """A related-field filter that offers only the choices the signed-in user may see."""

    def field_choices(self, field, request, model_admin):
        ordering = self.field_admin_ordering(field, request, model_admin)
        queryset = _scoped(field.related_model._default_manager.all(), request.user)
        if ordering:
            queryset = queryset.order_by(*ordering)
        return [(obj.pk, str(obj)) for obj in queryset.complex_filter(field.get_limit_choices_to())]


class OrganizationScopedAdminMixin:
    """Confine an admin class to the organizations of the signed-in staff member.

    Lists, change pages (another organization's object answers 404), foreign-key and
    many-to-many pickers, and autocomplete (which goes through the target admin's
    ``get_queryset``) all see the same rows. Related-field filters should use
    ``ScopedRelatedFieldListFilter``.
    """

    def get_queryset(self, request):
        return _scoped(super().get_queryset(request), request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs: Any):
        if "queryset" not in kwargs:
            queryset = self.get_field_queryset(None, db_field, request)
            if queryset is None:
                queryset = db_field.remote_field.model._default_manager.all()
            kwargs["queryset"] = _scoped(queryset, request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs: Any):
        if "queryset" not in kwargs:
            queryset = self.get_field_queryset(None, db_field, request)
            if queryset is None:
                queryset = db_field.remote_field.model._default_manager.all()
            kwargs["queryset"] = _scoped(queryset, request.user)
        return super().formfield_for_manytomany(db_field, request, **kwargs)
