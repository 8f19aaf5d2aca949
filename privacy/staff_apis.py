"""POST /api/crm/contacts/{id}/merge/: merge duplicates into the contact of the URL (issue 20).

Thin: the caller's scope finds the contacts (another organization's contact is a 400, never a
merge), privacy.services.contacts_merge does the work.
"""

from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from core.staff_api import StaffApiMixin
from crm.models import Contact
from privacy.serializers import MergeInputSerializer
from privacy.services import contacts_merge


class ContactMergeView(StaffApiMixin, generics.GenericAPIView):
    queryset = Contact.objects.all()
    serializer_class = MergeInputSerializer
    pagination_class = None
    filter_backends = []
    lookup_url_kwarg = "pk"

    def get_permissions(self):
        self.action_permissions = {None: ["privacy.merge_contacts", "crm.change_contact"]}
        return super().get_permissions()

    def post(self, request: Request, pk=None) -> Response:
        survivor = self.get_object()
        data = MergeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        visible = set(
            self.get_queryset()
            .filter(pk__in=data.validated_data["duplicates"])
            .values_list("pk", flat=True)
        )
        unseen = [str(i) for i in data.validated_data["duplicates"] if i not in visible]
        if unseen:
            raise serializers.ValidationError({"duplicates": [f"No such contact: {unseen[0]}."]})
        dry_run = data.validated_data["dry_run"]
        result = self.run_service(
            contacts_merge,
            survivor=survivor,
            duplicates=data.validated_data["duplicates"],
            field_choices=data.validated_data["fields"],
            user=request.user,
            dry_run=dry_run,
        )
        return Response(result, status=status.HTTP_200_OK)
