import factory
from factory.django import DjangoModelFactory

from leads.models import ChoiceResponse, ContactUs, EarlyAccessUser, Lead, WaitlistEntry


class WaitlistEntryFactory(DjangoModelFactory):
    class Meta:
        model = WaitlistEntry

    email = factory.Sequence(lambda n: f"waitlist{n}@example.com")
    name = factory.Faker("name")
    status = WaitlistEntry.Status.PENDING


class LegacyLeadFactory(DjangoModelFactory):
    class Meta:
        model = Lead

    email = factory.Sequence(lambda n: f"lead{n}@example.com")
    name = factory.Faker("name")
    source = "choices"


class ChoiceResponseFactory(DjangoModelFactory):
    class Meta:
        model = ChoiceResponse

    lead = factory.SubFactory(LegacyLeadFactory)
    intent = ChoiceResponse.Intent.INVEST
    nps = 8
    meta = factory.LazyFunction(dict)


class ContactUsFactory(DjangoModelFactory):
    class Meta:
        model = ContactUs

    name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"contact{n}@example.com")
    phone = factory.Faker("numerify", text="+91 99### #####")
    message = factory.Faker("paragraph")


class EarlyAccessUserFactory(DjangoModelFactory):
    class Meta:
        model = EarlyAccessUser

    email = factory.Sequence(lambda n: f"early{n}@example.com")
    name = factory.Faker("name")
    investment_intent = EarlyAccessUser.InvestmentIntent.JUST_EXPLORING
    expected_investment_range = EarlyAccessUser.InvestmentRange.BELOW_10K
    preferred_property_type = EarlyAccessUser.PropertyType.RESIDENTIAL
