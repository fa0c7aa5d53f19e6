"""factory-boy factories that keep related objects consistent."""

import datetime

import factory

from agreements.models import Agreement, Membership, Phase, Programme, ProgrammeParticipant, Role
from core.models import Document, Organisation, User


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ["acronym"]

    acronym = factory.Sequence(lambda n: f"ORG{n}")
    name = factory.LazyAttribute(lambda o: f"Organisation {o.acronym}")
    kind = "partner"
    country = "PE"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", "pw-test-123")

    @factory.post_generation
    def membership(self, create, extracted, **kwargs):
        """``UserFactory(membership=(organisation, Role.PARTNER_EDITOR[, programme]))``.

        Without a programme, the role is held in every programme the organisation takes part in.
        """
        if create and extracted:
            organisation, role, *programme = extracted
            programmes = programme or Programme.objects.filter(participants__organisation=organisation).distinct()
            for each in programmes:
                Membership.objects.get_or_create(user=self, programme=each, organisation=organisation, role=role)
        if create:
            self.save()


class DocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Document
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"doc-{n}")
    title = "Test document"
    file_name = "doc.txt"
    sha256 = "0" * 64
    text = "\n".join(f"line {i}" for i in range(1, 200))


class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Programme
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"prog{n}")
    name = factory.LazyAttribute(lambda o: f"Programme {o.code}")
    country = "PE"


class ParticipantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProgrammeParticipant

    programme = factory.SubFactory(ProgrammeFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = "partner"


class PhaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Phase

    programme = factory.SubFactory(ProgrammeFactory)
    code = factory.Sequence(lambda n: f"phase-{n}")
    name = "Phase"
    start_date = datetime.date(2005, 9, 1)
    end_date = datetime.date(2008, 12, 31)


class AgreementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agreement

    programme = factory.SubFactory(ProgrammeFactory)
    code = factory.Sequence(lambda n: f"agreement-{n}")
    title = "Agreement"
    start_date = datetime.date(2005, 9, 1)
    end_date = datetime.date(2008, 8, 31)
    document = factory.SubFactory(DocumentFactory)
    line = 1


__all__ = ["Role"]
