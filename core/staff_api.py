"""Building blocks shared by the staff REST API of crm, leads and lms.

- Authentication: Bearer tokens first (so an anonymous caller gets 401 with a Bearer
  challenge), then the admin session (for the docs page).
- Permissions: active staff, and Django model permissions, ``view`` included for reads;
  actions (``/complete/``, ``/convert/`` ...) name the permission they need.
- Scoping: every queryset goes through ``Model.objects.for_user(user)`` (crm/scoping.py), and
  related ids in a request body are looked up in the caller's scope (``ScopedRelatedField``),
  so another organization's contact is "not found" (400 field error) and nothing is stored.
- Pagination: cursor pagination for the big lists, page numbers elsewhere.
"""

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.utils.module_loading import import_string
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework import permissions, serializers
from rest_framework.filters import OrderingFilter
from rest_framework.pagination import CursorPagination, PageNumberPagination
from rest_framework.settings import api_settings
from rest_framework.throttling import UserRateThrottle

from core.api_errors import staff_api_exception_handler, validation_error_from_django
from core.constraints import validation_error_from_integrity_error
from core.scoping import UserScopedQuerySet

MAX_PAGE_SIZE = 100
# Every staff API object has a UUID key; anything else in its place is not a route (404).
UUID_PATTERN = "[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"


class StaffModelPermissions(permissions.DjangoModelPermissions):
    """Active staff with the model permission of the method (``view`` for reads).

    A view's ``action_permissions`` maps an action name to the permission codenames it needs
    (``{"complete": ["crm.change_task"]}``).
    """

    perms_map = {
        **permissions.DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": ["%(app_label)s.view_%(model_name)s"],
    }

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.is_active and user.is_staff):
            return False
        if getattr(view, request.method.lower(), None) is None:
            return True  # the view answers 405 Method Not Allowed: nothing to guard
        required = getattr(view, "action_permissions", {}).get(getattr(view, "action", None))
        if required is not None:
            return user.has_perms(required)
        return super().has_permission(request, view)


class StaffApiThrottle(UserRateThrottle):
    """Requests per staff member (THROTTLE_STAFF_API), shared through the cache."""

    scope = "staff_api"

    def get_rate(self):
        # Read when used, not at import, so that the setting can change (tests, reloads).
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class StaffCursorPagination(CursorPagination):
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    ordering = "-created_at"


class StaffPageNumberPagination(PageNumberPagination):
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE


class StaffOrderingFilter(OrderingFilter):
    """``?ordering=``, with the fields a list allows named in the schema."""

    def get_schema_operation_parameters(self, view):
        fields = list(getattr(view, "ordering_fields", None) or [])
        default = ",".join(getattr(view, "ordering", None) or [])
        return [
            {
                "name": self.ordering_param,
                "required": False,
                "in": "query",
                "description": (
                    f"Order by {', '.join(fields)} (prefix '-' for descending; several "
                    f"separated by commas). Default: {default}."
                ),
                "schema": {"type": "string"},
            }
        ]


class StaffApiMixin:
    """Settings of every staff API view; the queryset is scoped to the caller."""

    # A staff member's Bearer token (accounts) or their admin session: named in settings
    # (STAFF_API_AUTHENTICATION_CLASSES), so the base imports no app above it.
    authentication_classes = [
        import_string(path) for path in settings.STAFF_API_AUTHENTICATION_CLASSES
    ]
    permission_classes = [StaffModelPermissions]
    throttle_classes = [StaffApiThrottle]
    filter_backends = [DjangoFilterBackend, StaffOrderingFilter]
    pagination_class = StaffPageNumberPagination
    lookup_value_regex = UUID_PATTERN

    def get_exception_handler(self):
        return staff_api_exception_handler

    def get_queryset(self):
        queryset = super().get_queryset()
        if isinstance(queryset, UserScopedQuerySet):
            queryset = queryset.for_user(self.request.user)
        return queryset

    def run_service(self, service, /, field_map: dict[str, str] | None = None, **kwargs):
        """Call a service; its ValidationError becomes the API's 400 with field errors."""
        try:
            return service(**kwargs)
        except DjangoValidationError as exc:
            raise validation_error_from_django(exc, field_map=field_map) from exc
        except IntegrityError as exc:
            # A constraint the input broke (core/constraints.py) is that field's 400.
            error = validation_error_from_integrity_error(exc)
            if error is None:
                raise
            raise validation_error_from_django(error, field_map=field_map) from exc


class ScopedRelatedField(serializers.PrimaryKeyRelatedField):
    """A related id looked up among the rows the caller may see (``for_user``).

    Another organization's row reads as "does not exist": a 400 field error, nothing stored,
    and nothing revealed about the row.
    """

    default_error_messages = {
        **serializers.PrimaryKeyRelatedField.default_error_messages,
        "does_not_exist": 'No record "{pk_value}" in your organizations.',
    }

    def get_queryset(self):
        queryset = super().get_queryset()
        request = self.context.get("request")
        if isinstance(queryset, UserScopedQuerySet) and request is not None:
            queryset = queryset.for_user(request.user)
        return queryset


STAFF_API_PREFIXES = ("/api/crm/", "/api/leads/", "/api/lms/")


def only_staff_api_endpoints(endpoints, **kwargs):
    """drf-spectacular preprocessing hook: the schema describes the staff API only."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith(STAFF_API_PREFIXES)]


class StaffApiDocsView(SpectacularSwaggerSplitView):
    """Swagger UI for the staff API from our own static files (the sidecar): no outside host,
    no inline script or style, so it works offline and under a strict CSP."""

    template_name = "api/docs.html"
