"""django-filter FilterSets for the CRM (used by list APIs)."""

import django_filters

from crm.models import Contact


class ContactFilter(django_filters.FilterSet):
    tag = django_filters.CharFilter(field_name="tags__name", lookup_expr="iexact", distinct=True)
    contact_type = django_filters.ChoiceFilter(choices=Contact.Type.choices)
    parent_contact = django_filters.UUIDFilter()

    class Meta:
        model = Contact
        fields = ["organization", "tag", "contact_type", "parent_contact"]
