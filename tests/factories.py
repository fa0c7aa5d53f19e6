"""factory-boy factories that keep related objects consistent."""

import datetime
from decimal import Decimal

import factory
from djmoney.money import Money

from agreements.models import Agreement, Membership, Phase, Programme, ProgrammeParticipant, Role
from budgets.models import BudgetColumn, BudgetFact, BudgetRow, BudgetTable, FigureKind, RowRole
from core.models import Document, Organisation, User
from reconciliation.models import Finding, ReconciliationRule, RuleOrigin, Severity
from results.models import Activity, Indicator, IndicatorKind, Result, WorkPlan
from results.targets import TargetKind


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
            programmes = (
                programme or Programme.objects.filter(participants__organisation=organisation).distinct()
            )
            for each in programmes:
                Membership.objects.get_or_create(
                    user=self, programme=each, organisation=organisation, role=role
                )
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


# Budgets. Codes start with "test-" so they never meet the PCC's (loaded into every test database).


class BudgetTableFactory(factory.django.DjangoModelFactory):
    """A table of a document, lines 10 to 40; its rows get the next free line unless told."""

    class Meta:
        model = BudgetTable

    programme = factory.SubFactory(ProgrammeFactory)
    code = factory.Sequence(lambda n: f"test-table-{n}")
    title = factory.LazyAttribute(lambda o: f"Cuadro {o.code}")
    document = factory.SubFactory(DocumentFactory)
    title_line = 10
    first_line = 11
    last_line = 40
    decimal_separator = "."
    currency = "CHF"


class BudgetColumnFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BudgetColumn

    table = factory.SubFactory(BudgetTableFactory)
    key = factory.Sequence(lambda n: f"test-col-{n}")
    header = factory.LazyAttribute(lambda o: f"Total ({o.currency})")
    order = factory.LazyAttribute(lambda o: o.table.columns.count())
    currency = factory.SelfAttribute("table.currency")
    figure = FigureKind.PLANNED


class BudgetRowFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BudgetRow

    table = factory.SubFactory(BudgetTableFactory)
    line = factory.LazyAttribute(lambda o: o.table.first_line + o.table.rows.count())
    label = factory.Sequence(lambda n: f"Rubro {n}")
    order = factory.LazyAttribute(lambda o: o.table.rows.count())
    role = RowRole.ITEM


class BudgetFactFactory(factory.django.DjangoModelFactory):
    """``BudgetFactFactory(row=row, column=column, value="28154")``: the cell, its amount in the column's
    currency and where it sits, copied from its table, row and column as the loader does."""

    class Meta:
        model = BudgetFact

    class Params:
        value = Decimal("100")

    row = factory.SubFactory(BudgetRowFactory)
    column = factory.SubFactory(BudgetColumnFactory, table=factory.SelfAttribute("..row.table"))
    amount = factory.LazyAttribute(
        lambda o: None if o.value is None else Money(Decimal(o.value), o.column.currency)
    )
    text = factory.LazyAttribute(lambda o: "" if o.value is None else str(o.value))
    marker = ""

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        row, column = kwargs["row"], kwargs["column"]
        placement = BudgetFact.placement(row.table, row, column)
        for key in list(placement):
            if key in kwargs or key.removesuffix("_id") in kwargs:
                del placement[key]
        return super()._create(model_class, *args, **placement, **kwargs)


class ReconciliationRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReconciliationRule

    programme = factory.SubFactory(ProgrammeFactory)
    code = factory.Sequence(lambda n: f"test-rule-{n}")
    kind = "sum"
    description = "Total equals the sum of its terms"
    params = factory.LazyFunction(dict)
    origin = RuleOrigin.STAFF


class FindingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Finding

    rule = factory.SubFactory(ReconciliationRuleFactory)
    key = factory.Sequence(lambda n: f"test-key-{n}")
    severity = Severity.MATERIAL
    stated = "100"
    recomputed = "101"
    difference = Decimal("-1")
    currency = "CHF"
    lines = factory.LazyFunction(lambda: [11, 12])
    message = "Stated 100; the sum of its terms is 101."


# Work plans. The plan's partner takes part in the plan's programme, so that
# ``UserFactory(membership=(plan.organisation, role))`` gives a role in it.


class WorkPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkPlan
        skip_postgeneration_save = True

    programme = factory.SubFactory(ProgrammeFactory)
    code = factory.Sequence(lambda n: f"test-poa-{n}")
    organisation = factory.SubFactory(OrganisationFactory)
    title = factory.LazyAttribute(lambda o: f"Plan de Trabajo de {o.organisation.acronym}")
    period_start = datetime.date(2008, 9, 1)
    period_end = datetime.date(2008, 12, 31)
    period_label = "Septiembre a Diciembre 2008"
    document = factory.SubFactory(DocumentFactory)
    line = 10
    end_line = 60

    @factory.post_generation
    def participant(self, create, extracted, **kwargs):
        if create:
            ProgrammeParticipant.objects.get_or_create(
                programme=self.programme, organisation=self.organisation, role="partner"
            )


class ResultFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Result

    plan = factory.SubFactory(WorkPlanFactory)
    code = factory.Sequence(lambda n: str(n + 1))
    statement = factory.LazyAttribute(lambda o: f"Resultado {o.code}")
    line = factory.SelfAttribute("plan.line")
    order = factory.LazyAttribute(lambda o: o.plan.results.count())


class IndicatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Indicator

    result = factory.SubFactory(ResultFactory)
    code = factory.Sequence(lambda n: f"IT.{n}")
    kind = IndicatorKind.YEAR
    statement = factory.LazyAttribute(lambda o: f"{o.code}: 10 contratos firmados")
    target_text = "10"
    target_kind = TargetKind.NUMBER
    target_value = Decimal("10")
    line = factory.SelfAttribute("result.line")


class ActivityFactory(factory.django.DjangoModelFactory):
    """An activity of a result; its plan is the result's."""

    class Meta:
        model = Activity

    result = factory.SubFactory(ResultFactory)
    plan = factory.SelfAttribute("result.plan")
    code = factory.Sequence(lambda n: f"1.{n}")
    key = factory.SelfAttribute("code")
    statement = "Capacitar a las empresas"
    target_text = "80%"
    target_kind = TargetKind.PERCENTAGE
    target_value = Decimal("80")
    start_month = datetime.date(2008, 9, 1)
    end_month = datetime.date(2008, 12, 1)
    line = factory.SelfAttribute("result.line")
    order = factory.LazyAttribute(lambda o: o.plan.activities.count())


__all__ = ["Role"]
