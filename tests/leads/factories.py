import factory
from factory.django import DjangoModelFactory

from leads.models import (
    ChoiceKey,
    ChoicesResponse,
    ContactMessage,
    EarlyAccessRequest,
    IntentLevel,
    InvestmentRange,
    LeadEvent,
    LeadEventType,
    LeadSource,
    PageSession,
    UsersLead,
)


class UsersLeadFactory(DjangoModelFactory):
    class Meta:
        model = UsersLead

    email = factory.Sequence(lambda n: f"lead{n}@example.com")
    name = factory.Faker("name")
    source = LeadSource.CHOICES


class LeadEventFactory(DjangoModelFactory):
    class Meta:
        model = LeadEvent

    lead = factory.SubFactory(UsersLeadFactory)
    event_type = LeadEventType.LEAD_CAPTURED
    metadata = factory.LazyFunction(dict)


class ChoicesResponseFactory(DjangoModelFactory):
    class Meta:
        model = ChoicesResponse

    lead = factory.SubFactory(UsersLeadFactory)
    choice_key = ChoiceKey.NPS
    choice_value = "8"


class EarlyAccessRequestFactory(DjangoModelFactory):
    class Meta:
        model = EarlyAccessRequest

    lead = factory.SubFactory(UsersLeadFactory, source=LeadSource.EARLY_ACCESS)
    intent_level = IntentLevel.LOW
    investment_range = InvestmentRange.BELOW_10K
    city = factory.Faker("city")


class ContactMessageFactory(DjangoModelFactory):
    class Meta:
        model = ContactMessage

    lead = factory.SubFactory(UsersLeadFactory, source=LeadSource.CONTACT)
    subject = factory.Faker("sentence", nb_words=4)
    message = factory.Faker("paragraph")


class PageSessionFactory(DjangoModelFactory):
    class Meta:
        model = PageSession

    page = "/choices/?utm_source=newsletter"
    utm_source = "newsletter"
    visitor_key = factory.Faker("hexify", text="^" * 32)
