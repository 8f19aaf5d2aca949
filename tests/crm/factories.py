import factory
from factory.django import DjangoModelFactory

from crm.models import Organization


class OrganizationFactory(DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Faker("company")
    slug = factory.Sequence(lambda n: f"organization-{n}")
    type = Organization.Type.AGENCY
