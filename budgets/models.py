"""Budget tables as printed, one fact per cell, reconciliation rules as data and their findings."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.fields import GenericRelation
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.text import format_lazy
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _
from djmoney.models.fields import MoneyField
from simple_history.models import HistoricalRecords

from agreements.models import Component, Programme
from budgets.querysets import BudgetFactQuerySet
from core.i18n import Translated
from core.models import Document, ExchangeRate, Organisation, SourceReference


class TableLayout(models.TextChoices):
    GRID = "grid", _("Rows × columns")
    CURRENCY_PAIRS = "pairs", _("Columns in CHF and US$ side by side")
    SECTIONS = "sections", _("Sections with their own totals")
    SINGLE_CURRENCY = "single", _("One currency; its conversion printed in another table")


class RowRole(models.TextChoices):
    HEADING = "heading", _("Heading")
    ITEM = "item", _("Item")
    SUBTOTAL = "subtotal", _("Subtotal")
    TOTAL = "total", _("Total")


class FigureKind(models.TextChoices):
    PLANNED = "planned", _("Planned")
    MODIFICATION = "modification", _("Modification")
    REVISED = "revised", _("Revised (POA)")
    EXECUTED = "executed", _("Executed")
    ESTIMATED = "estimated", _("Estimated expense")
    AVAILABLE = "available", _("Available")
    REQUESTED = "requested", _("Requested")
    ADDITIONAL_REQUIRED = "additional", _("Additional amount required")
    COUNTERPART = "counterpart", _("Counterpart contribution")
    VAT_RECOVERY = "vat_recovery", _("IGV (VAT) recovery income")
    TOTAL_PHASE = "total_phase", _("Total of the phase")


class Marker(models.TextChoices):
    NONE = "", _("Number")
    DASH = "dash", _("Dash (–)")
    NOT_APPLICABLE = "n.a.", _("n.a.")
    NOT_AVAILABLE = "n.d.", _("n.d.")
    BLANK = "blank", _("Blank")


CONCEPT_HELP = _(
    "What its figures are, in the same words in every table (e.g. seco-contribution, counterpart, "
    "international-ta): figures of the same concept, partner, kind, period and currency stated in two tables "
    "are compared."
)


def concept_field(scope) -> models.SlugField:
    """What a table's, column's or row's figures are: a code of the programme's :class:`Concept`."""
    return models.SlugField(
        _("concept"), max_length=60, blank=True, help_text=format_lazy("{} {}", CONCEPT_HELP, scope)
    )


class Concept(models.Model):
    """What a kind of figure is, in a programme's words (``seco-contribution``: «aporte SECO»): tables, columns
    and rows name it by code, and figures of the same concept stated in two tables are compared."""

    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="concepts", verbose_name=_("programme")
    )
    code = models.SlugField(_("code"), max_length=60)
    label = models.CharField(_("name"), max_length=200)
    label_en = models.CharField(_("name in English"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["programme", "code"]
        verbose_name = _("concept")
        verbose_name_plural = _("concepts")
        constraints = [models.UniqueConstraint(fields=["programme", "code"], name="unique_concept_code")]

    def __str__(self) -> str:
        return self.label or self.code


class BudgetTable(models.Model):
    """A budget table of a source document, as printed: title, lines, layout and number format."""

    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="budget_tables", verbose_name=_("programme")
    )
    code = models.SlugField(_("code"), max_length=80)
    title = models.CharField(_("title as printed"), max_length=500)
    title_en = models.CharField(
        _("title in English"),
        max_length=500,
        blank=True,
        help_text=_("Empty: English readers see the Spanish."),
    )
    component = models.ForeignKey(
        Component,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="budget_tables",
        verbose_name=_("component"),
    )
    document = models.ForeignKey(
        Document, on_delete=models.PROTECT, related_name="+", verbose_name=_("document")
    )
    title_line = models.PositiveIntegerField(_("seed line of the title"))
    first_line = models.PositiveIntegerField(_("first line"))
    last_line = models.PositiveIntegerField(_("last line"))
    layout = models.CharField(
        _("layout"), max_length=10, choices=TableLayout.choices, default=TableLayout.GRID
    )
    decimal_separator = models.CharField(
        _("decimal separator"),
        max_length=1,
        choices=[(".", "."), (",", ",")],
        help_text=_("Settles amounts such as 28,154 where one separator is followed by three digits."),
    )
    currency = models.CharField(_("default currency"), max_length=3)
    rate = models.ForeignKey(
        ExchangeRate,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="budget_tables",
        verbose_name=_("stated exchange rate"),
    )
    notes = models.JSONField(
        _("notes and footnotes"),
        default=list,
        blank=True,
        help_text=_('As printed: [{"line": 916, "text": "…"}].'),
    )
    in_overview = models.BooleanField(
        _("counted in the overview"),
        default=False,
        help_text=_(
            "Tables whose figures no other counted table repeats or details (else a figure counts twice)."
        ),
    )
    reporting_basis = models.BooleanField(
        _("basis of financial reports"),
        default=False,
        help_text=_(
            "Partners report their expenditure against this table's item rows (one such table per partner "
            "and period, else a line is reported twice)."
        ),
    )
    concept = concept_field(_("Columns and rows may say otherwise."))
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    # Rules about this table: ``ReconciliationRule.objects.filter(budget_table__code=…)`` works.
    rules = GenericRelation(
        "reconciliation.ReconciliationRule",
        content_type_field="subject_type",
        object_id_field="subject_id",
        related_query_name="budget_table",
    )
    history = HistoricalRecords()

    title_i18n = Translated("title")

    class Meta:
        ordering = ["programme", "order", "first_line"]
        verbose_name = _("budget table")
        verbose_name_plural = _("budget tables")
        constraints = [
            models.UniqueConstraint(fields=["programme", "code"], name="unique_budget_table_code"),
            models.CheckConstraint(
                condition=Q(first_line__lte=models.F("last_line")), name="budget_table_lines"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.first_line}–{self.last_line})"

    def get_absolute_url(self) -> str:
        return reverse("budgets:table", args=[self.programme.code, self.code])


CURRENCY_WITH_FIGURES = gettext_noop(
    "the column has %(count)s figures in %(currency)s; "
    "import the figures in the new currency first, or remove them"
)


class BudgetColumn(models.Model):
    table = models.ForeignKey(
        BudgetTable, on_delete=models.CASCADE, related_name="columns", verbose_name=_("table")
    )
    key = models.SlugField(_("key"), max_length=40)
    header = models.CharField(_("header as printed"), max_length=255)
    order = models.PositiveSmallIntegerField(_("order"))
    currency = models.CharField(_("currency"), max_length=3)
    figure = models.CharField(_("kind of figure"), max_length=16, choices=FigureKind.choices)
    is_total = models.BooleanField(_("row total"), default=False)
    detail_of = models.SlugField(
        _("detail of"),
        max_length=40,
        blank=True,
        help_text=_(
            "The key of the column of this table whose figure this one breaks down (goods and services "
            "of a budget, say): its figures are shown but never added again to a total."
        ),
    )
    partner = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("partner"),
    )
    period_label = models.CharField(_("period as printed"), max_length=80, blank=True)
    period_start = models.DateField(_("period start"), null=True, blank=True)
    period_end = models.DateField(_("period end"), null=True, blank=True)
    concept = concept_field(_("Blank: the table's."))
    compare_as = models.CharField(
        _("compared as"),
        max_length=16,
        choices=FigureKind.choices,
        blank=True,
        help_text=_(
            "The kind of figure this column states the same amount as, where another word is printed "
            "(e.g. a period's «requested» money is its plan): blank, its own kind."
        ),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["table", "order"]
        verbose_name = _("budget column")
        verbose_name_plural = _("budget columns")
        constraints = [
            models.UniqueConstraint(fields=["table", "key"], name="unique_budget_column_key"),
            models.CheckConstraint(
                condition=Q(period_start__lte=models.F("period_end")), name="budget_column_period"
            ),
        ]

    def __str__(self) -> str:
        return self.header

    def clean(self) -> None:
        super().clean()
        if self.pk is None:
            return
        stored = BudgetColumn.objects.filter(pk=self.pk).only("id", "currency").first()
        params = stored.currency_change_refused(self.currency) if stored else None
        if params:
            raise ValidationError(
                {"currency": ValidationError(gettext(CURRENCY_WITH_FIGURES), code="figures", params=params)}
            )

    def currency_change_refused(self, currency: str) -> dict[str, Any] | None:
        """Why ``currency`` may not replace the column's stored one: the figures stated in it.

        A figure's amount carries the currency of its column; changing the column alone would leave
        them in the old one. The one rule for the admin (:meth:`clean`) and the ``budget-columns``
        import: the params of :data:`CURRENCY_WITH_FIGURES`, or None when the change is allowed.
        """
        if self.pk is None or currency == self.currency:
            return None
        count = self.facts.filter(amount__isnull=False).exclude(amount_currency=currency).count()
        return {"count": count, "currency": self.currency} if count else None


class BudgetRow(models.Model):
    table = models.ForeignKey(
        BudgetTable, on_delete=models.CASCADE, related_name="rows", verbose_name=_("table")
    )
    line = models.PositiveIntegerField(_("seed line"))
    label = models.CharField(_("label as printed"), max_length=500, blank=True)
    order = models.PositiveSmallIntegerField(_("order"))
    role = models.CharField(_("role"), max_length=10, choices=RowRole.choices, default=RowRole.ITEM)
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("subtotal it belongs to"),
    )
    section = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("section heading"),
    )
    partner = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("partner"),
    )
    component = models.ForeignKey(
        Component,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("component"),
    )
    result = models.CharField(
        _("result as printed"), max_length=40, blank=True, help_text=_("e.g. Resultado 2, R1")
    )
    cost_category = models.CharField(_("cost category as printed"), max_length=255, blank=True)
    concept = concept_field(_("Blank: the column's, else the table's."))
    history = HistoricalRecords()

    class Meta:
        ordering = ["table", "order"]
        verbose_name = _("budget row")
        verbose_name_plural = _("budget rows")
        constraints = [
            models.UniqueConstraint(fields=["table", "line"], name="unique_budget_row_line"),
        ]

    def __str__(self) -> str:
        return f"{self.line}: {self.label or '∅'}"


class BudgetFact(SourceReference):
    """One cell of a budget table: the amount it states, or the marker printed instead of a number.

    ``table``, ``row_label`` and ``column_header`` (from :class:`SourceReference`) keep the provenance as
    printed; ``budget_table``/``row``/``column`` place the cell in the transcribed structure.
    """

    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="budget_facts", verbose_name=_("programme")
    )
    budget_table = models.ForeignKey(
        BudgetTable, on_delete=models.CASCADE, related_name="facts", verbose_name=_("budget table")
    )
    row = models.ForeignKey(BudgetRow, on_delete=models.CASCADE, related_name="facts", verbose_name=_("row"))
    column = models.ForeignKey(
        BudgetColumn, on_delete=models.CASCADE, related_name="facts", verbose_name=_("column")
    )
    component = models.ForeignKey(
        Component,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("component"),
    )
    partner = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("partner"),
    )
    result = models.CharField(_("result as printed"), max_length=40, blank=True)
    cost_category = models.CharField(_("cost category as printed"), max_length=255, blank=True)
    period_label = models.CharField(_("period as printed"), max_length=80, blank=True)
    period_start = models.DateField(_("period start"), null=True, blank=True)
    period_end = models.DateField(_("period end"), null=True, blank=True)
    concept = models.SlugField(
        _("concept"),
        max_length=60,
        blank=True,
        help_text=_("Its row's, else its column's, else its table's."),
    )
    figure = models.CharField(_("kind of figure"), max_length=16, choices=FigureKind.choices)
    is_total = models.BooleanField(_("total or subtotal"), default=False)
    amount = MoneyField(
        _("amount"), max_digits=19, decimal_places=2, null=True, blank=True, default_currency=None
    )
    text = models.CharField(_("text as printed"), max_length=60, blank=True)
    marker = models.CharField(_("marker"), max_length=5, choices=Marker.choices, blank=True)
    counterpart = models.OneToOneField(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("same figure in the other currency"),
    )
    rate = models.ForeignKey(
        ExchangeRate,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("rate linking the two currencies"),
    )
    history = HistoricalRecords()

    objects = BudgetFactQuerySet.as_manager()

    class Meta:
        ordering = ["budget_table", "row__order", "column__order"]
        verbose_name = _("budget figure")
        verbose_name_plural = _("budget figures")
        constraints = [
            models.UniqueConstraint(fields=["row", "column"], name="unique_budget_fact_cell"),
            models.CheckConstraint(
                condition=(Q(amount__isnull=False, marker="") | Q(amount__isnull=True) & ~Q(marker="")),
                name="budget_fact_amount_or_marker",
            ),
            models.CheckConstraint(
                condition=Q(period_start__lte=models.F("period_end")), name="budget_fact_period"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.budget_table.code} {self.line} {self.column_header}: {self.text or '∅'}"

    @property
    def is_number(self) -> bool:
        return self.amount is not None

    @staticmethod
    def placement(table: BudgetTable, row: BudgetRow, column: BudgetColumn) -> dict:
        """Where a figure sits, copied from its table, row and column (field attnames).

        The one rule for it: the loader, the imports and a changed table structure all use it.
        """
        return {
            "programme_id": table.programme_id,
            "budget_table_id": table.id,
            "document_id": table.document_id,
            "line": row.line,
            "table": table.title[:255],
            "row_label": row.label[:500],
            "column_header": column.header[:255],
            "component_id": row.component_id,
            "partner_id": column.partner_id or row.partner_id,
            "result": row.result,
            "cost_category": row.cost_category,
            "period_label": column.period_label,
            "period_start": column.period_start,
            "period_end": column.period_end,
            "figure": column.figure,
            "concept": row.concept or column.concept or table.concept,
            "is_total": row.role in (RowRole.SUBTOTAL, RowRole.TOTAL) or column.is_total,
        }
