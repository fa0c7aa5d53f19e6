"""Shared models: people, organisations, source documents, glossary, exchange rates."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.contrib.contenttypes.fields import GenericForeignKey, GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.i18n import Message
from core.workflow import Workflow


class NumberFormat(models.TextChoices):
    SWISS = "ch", _("Swiss (4'087'460.00)")
    PERUVIAN = "pe", _("Peruvian (4,087,460.00)")


class OrganisationKind(models.TextChoices):
    DONOR = "donor", _("Donor")
    GOVERNMENT = "government", _("Government agency")
    IMPLEMENTING_PARTNER = "partner", _("Implementing partner")
    CONSULTANT = "consultant", _("Consultant")
    TOURISM_OGD = "ogd", _("Tourism OGD")
    OTHER = "other", _("Other")


class Organisation(models.Model):
    acronym = models.CharField(_("acronym"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=255)
    kind = models.CharField(_("kind"), max_length=20, choices=OrganisationKind.choices)
    country = models.CharField(_("country"), max_length=2, help_text=_("ISO 3166 code, e.g. PE, CH"))
    number_format = models.CharField(
        _("number format"), max_length=2, choices=NumberFormat.choices, default=NumberFormat.PERUVIAN
    )

    class Meta:
        ordering = ["acronym"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.acronym


class User(AbstractUser):
    number_format = models.CharField(
        _("number format"),
        max_length=2,
        choices=NumberFormat.choices,
        blank=True,
        help_text=_("Empty: the format of the user's organisation."),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def has_perm(self, perm: str, obj=None) -> bool:
        """Object permissions are decided by the rules alone, for superusers too.

        Django answers every ``has_perm`` of an active superuser with True; an object rule (who may
        write a partner's progress, explain a finding of a programme) must not be bypassed that way.
        """
        if obj is None:
            return super().has_perm(perm)
        from django.contrib.auth.models import _user_has_perm

        return self.is_active and _user_has_perm(self, perm, obj)


class Document(models.Model):
    """A source document whose figures are transcribed into pcc; kept whole so every line can be cited."""

    code = models.SlugField(_("code"), max_length=80, unique=True)
    title = models.CharField(_("title"), max_length=255)
    file_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(max_length=64, verbose_name=_("SHA-256 checksum"))
    text = models.TextField(_("text"))

    class Meta:
        ordering = ["code"]
        verbose_name = _("source document")
        verbose_name_plural = _("source documents")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("agreements:document", args=[self.code])

    def line_url(self, line: int) -> str:
        # A page links hundreds of lines of one document: reverse its URL once per instance.
        url = self.__dict__.get("_url")
        if url is None:
            url = self.__dict__["_url"] = self.get_absolute_url()
        return f"{url}#L{line}"

    def line_text(self, line: int) -> str:
        lines = self.text.splitlines()
        return lines[line - 1] if 0 < line <= len(lines) else ""


class SourceReference(models.Model):
    """Where a figure was read: document, table, row and column as printed, 1-based line."""

    document = models.ForeignKey(
        Document, on_delete=models.PROTECT, related_name="+", verbose_name=_("document")
    )
    line = models.PositiveIntegerField(_("seed line"))
    table = models.CharField(_("table"), max_length=255, blank=True)
    row_label = models.CharField(_("row as printed"), max_length=500, blank=True)
    column_header = models.CharField(_("column as printed"), max_length=255, blank=True)

    class Meta:
        abstract = True

    @property
    def source_url(self) -> str:
        return self.document.line_url(self.line)


class GlossaryTerm(models.Model):
    acronym = models.CharField(_("acronym"), max_length=40, unique=True)
    meaning = models.CharField(_("meaning"), max_length=500)
    document = models.ForeignKey(
        Document,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("document"),
    )
    line = models.PositiveIntegerField(_("seed line"), null=True, blank=True)

    class Meta:
        ordering = ["acronym"]
        verbose_name = _("glossary term")
        verbose_name_plural = _("glossary")

    def __str__(self) -> str:
        return f"{self.acronym}: {self.meaning}"


class ExchangeRate(models.Model):
    """``1 base = rate quote`` as stated by a document, valid over a period, used by named tables."""

    code = models.SlugField(_("code"), max_length=80, unique=True)
    base_currency = models.CharField(_("base currency"), max_length=3)
    quote_currency = models.CharField(_("quote currency"), max_length=3)
    rate = models.DecimalField(_("rate"), max_digits=18, decimal_places=6)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"))
    description = models.CharField(_("as stated"), max_length=500, blank=True)
    used_by = models.CharField(_("used by tables"), max_length=500, blank=True)
    document = models.ForeignKey(
        Document,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("document"),
    )
    line = models.PositiveIntegerField(_("seed line"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["valid_from", "code"]
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        constraints = [
            models.CheckConstraint(condition=Q(rate__gt=0), name="exchange_rate_positive"),
            models.CheckConstraint(
                condition=Q(valid_from__lte=models.F("valid_to")), name="exchange_rate_period"
            ),
            models.CheckConstraint(
                condition=~Q(base_currency=models.F("quote_currency")), name="exchange_rate_pair"
            ),
        ]

    def __str__(self) -> str:
        return f"1 {self.base_currency} = {self.rate.normalize():f} {self.quote_currency} ({self.code})"


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("Checking")
    DRY_RUN = "dry-run", _("Checked, waiting for confirmation")
    RUNNING = "running", _("Importing")
    DONE = "done", _("Imported")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


IMPORT_WORKFLOW = Workflow(
    ImportStatus,
    {
        ImportStatus.PENDING: {ImportStatus.DRY_RUN, ImportStatus.FAILED, ImportStatus.CANCELLED},
        ImportStatus.DRY_RUN: {ImportStatus.RUNNING, ImportStatus.CANCELLED},
        ImportStatus.RUNNING: {ImportStatus.DONE, ImportStatus.FAILED, ImportStatus.CANCELLED},
        ImportStatus.DONE: set(),
        ImportStatus.FAILED: set(),
        ImportStatus.CANCELLED: set(),
    },
)


class ImportRecord(models.Model):
    """One uploaded spreadsheet: who sent it, what the dry run found and what the import wrote.

    Imported rows may point here (a foreign key named ``import_record``) to keep their provenance.
    """

    workflow = IMPORT_WORKFLOW

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="imports", verbose_name=_("user"))
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed by"),
    )
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    kind = models.CharField(_("kind"), max_length=60)
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/", max_length=255)
    file_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(max_length=64, verbose_name=_("SHA-256 checksum"))
    size = models.PositiveBigIntegerField(_("size in bytes"), default=0)
    locale = models.CharField(_("number format"), max_length=10)
    status = models.CharField(
        _("status"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.PENDING
    )
    cancel_requested = models.BooleanField(_("cancel requested"), default=False)
    task_id = models.CharField(max_length=64, blank=True, verbose_name=_("background task"))
    # The last sign of life of whoever runs it (queued, started, a batch done): see core.jobs.
    heartbeat_at = models.DateTimeField(_("last sign of life"), default=timezone.now)
    retry_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="retries",
        verbose_name=_("retry of"),
        help_text=_("The failed or cancelled import whose file this one checks again."),
    )
    staged = models.CharField(_("checked rows file"), max_length=255, blank=True)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_done = models.PositiveIntegerField(_("rows done"), default=0)
    created_count = models.PositiveIntegerField(_("created"), default=0)
    changed_count = models.PositiveIntegerField(_("changed"), default=0)
    unchanged_count = models.PositiveIntegerField(_("unchanged"), default=0)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    preview = models.JSONField(_("preview"), default=dict, blank=True)
    message = models.TextField(_("message"), blank=True)
    status_changes = GenericRelation("StatusChange")

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("spreadsheet import")
        verbose_name_plural = _("spreadsheet imports")
        indexes = [models.Index(fields=["kind", "sha256"])]

    def __str__(self) -> str:
        return f"{self.kind} · {self.file_name} · {self.get_status_display()}"

    def get_absolute_url(self) -> str:
        return reverse("imports:import_job", args=[self.pk])

    @property
    def is_active(self) -> bool:
        """Checking, importing, or confirmed and waiting for a worker: the job page keeps polling."""
        return self.status in (ImportStatus.PENDING, ImportStatus.RUNNING) or (
            self.status == ImportStatus.DRY_RUN and self.confirmed_at is not None
        )

    @property
    def can_confirm(self) -> bool:
        return self.status == ImportStatus.DRY_RUN and self.error_count == 0 and not self.cancel_requested

    @property
    def can_cancel(self) -> bool:
        return (
            self.status in (ImportStatus.PENDING, ImportStatus.DRY_RUN, ImportStatus.RUNNING)
            and not self.cancel_requested
        )

    @property
    def can_retry(self) -> bool:
        """Failed (its worker died, a row refused at commit, an error) or cancelled: its file can be checked again."""
        return self.status in (ImportStatus.FAILED, ImportStatus.CANCELLED)

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.rows_done / self.rows_total)) if self.rows_total else 0


class StatusChangeManager(models.Manager):
    """Status changes are shown with who made them, so the user comes in the same query (also through
    an object's ``status_changes`` and their prefetch)."""

    def get_queryset(self) -> models.QuerySet:
        return super().get_queryset().select_related("user")


class StatusChange(models.Model):
    """One change of status of any object with a workflow: from, to, who (none for the system), when, why.

    Written only by :func:`core.workflow.transition`, in the transaction of the change itself.
    """

    content_type = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, related_name="+", verbose_name=_("kind of object")
    )
    object_id = models.PositiveBigIntegerField(verbose_name=_("object id"))
    content_object = GenericForeignKey("content_type", "object_id")
    from_status = models.CharField(_("from"), max_length=20)
    to_status = models.CharField(_("to"), max_length=20)
    user = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="status_changes",
        verbose_name=_("by"),
        help_text=_("Empty for a change made by the system (a background job, the reconciliation)."),
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    reason = models.TextField(_("reason"), blank=True)  # in the site's language, for search and the admin
    # A reason the system gave (the reconciliation, an import), as message id and parameters: shown in
    # the reader's language. Empty for a reason a person wrote.
    reason_data = models.JSONField(_("reason as id and parameters"), default=dict, blank=True)

    objects = StatusChangeManager()

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        indexes = [models.Index(fields=["content_type", "object_id", "at"], name="status_change_object_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(from_status=models.F("to_status")), name="status_change_changes"
            ),
        ]

    def __str__(self) -> str:
        model = ContentType.objects.get_for_id(self.content_type_id).model
        return f"{model} {self.object_id}: {self.from_status} → {self.to_status}"

    @property
    def reason_text(self) -> str:
        """The reason in the reader's language (as written when a person wrote it)."""
        return Message.from_json(self.reason_data).render() if self.reason_data else self.reason

    def _label(self, status: str) -> str:
        # get_for_id is cached: a page of changes costs no query per row for their labels.
        model = ContentType.objects.get_for_id(self.content_type_id).model_class()
        workflow = getattr(model, "workflow", None)
        return workflow.label(status) if workflow is not None else status

    @property
    def from_label(self) -> str:
        return self._label(self.from_status)

    @property
    def to_label(self) -> str:
        return self._label(self.to_status)
