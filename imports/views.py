"""Staff pages for spreadsheet imports and exports: upload, preview, confirm, progress, templates."""

from __future__ import annotations

import io
import tempfile

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from agreements import access
from agreements.access import get_import_for_user_or_404
from core.models import ImportRecord, ImportStatus, NumberFormat, User
from core.spreadsheets import readers as spreadsheet_readers
from core.spreadsheets.columns import NumberLocale
from core.spreadsheets.errors import Problem
from core.spreadsheets.writers import write_csv, write_xlsx
from imports.registry import Importer, get_importer, importers_for
from imports.rows import batches
from imports.services import (
    export_kind,
    import_cancel,
    import_recover_if_stalled,
    import_retry,
    import_start,
    run_or_enqueue,
)

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _importer_for_user_or_404(user: User, kind: str) -> Importer:
    try:
        importer = get_importer(kind)
    except LookupError:
        raise Http404 from None
    if not importer.can_import(user):
        raise PermissionDenied
    return importer


def _default_locale(user: User) -> str:
    number_format = user.number_format
    if not number_format:
        organisation = user.memberships.select_related("organisation").first()
        number_format = organisation.organisation.number_format if organisation else ""
    return NumberLocale.SWISS if number_format == NumberFormat.SWISS else NumberLocale.DOT


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the file holds"))
    file = forms.FileField(label=_("Spreadsheet (XLSX, ODS or CSV)"))
    locale = forms.ChoiceField(
        label=_("Numbers are written"), choices=NumberLocale.choices, widget=forms.RadioSelect
    )

    def __init__(self, *args, importers: list[Importer], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(i.kind, i.label) for i in importers]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > spreadsheet_readers.MAX_FILE_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(max)s MB."),
                params={"max": spreadsheet_readers.MAX_FILE_BYTES // 1024 // 1024},
            )
        return upload


@login_required
def import_start_view(request):
    importers = importers_for(request.user)
    if not importers:
        raise PermissionDenied
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES, importers=importers)
        if form.is_valid():
            record = import_start(
                user=request.user,
                kind=form.cleaned_data["kind"],
                upload=form.cleaned_data["file"],
                locale=form.cleaned_data["locale"],
            )
            record = run_or_enqueue(record, "dry_run")
            return redirect("imports:import_job" if record.is_active else "imports:import_preview", record.pk)
    else:
        form = ImportForm(
            importers=importers,
            initial={"locale": _default_locale(request.user), "kind": request.GET.get("kind")},
        )
    records = access.imports(request.user).select_related("user")
    return render(
        request,
        "imports/start.html",
        {
            "form": form,
            "importers": importers,
            "records": records[:20],
        },
    )


@login_required
def import_preview(request, pk: int):
    record, mine = get_import_for_user_or_404(request.user, pk)
    record = import_recover_if_stalled(record=record)
    if record.is_active:
        return redirect("imports:import_job", record.pk)
    importer = get_importer(record.kind)
    errors = [_problem_row(data) for data in record.errors]
    same_file = (
        ImportRecord.objects.filter(kind=record.kind, sha256=record.sha256, status=ImportStatus.DONE)
        .exclude(pk=record.pk)
        .first()
    )
    return render(
        request,
        "imports/preview.html",
        {
            "record": record,
            "importer": importer,
            "errors": errors,
            "errors_hidden": record.error_count - len(errors),
            "same_file": same_file,
            "locale_label": NumberLocale(record.locale).label
            if record.locale in NumberLocale.values
            else record.locale,
            "created": record.preview.get("created", []),
            "changed": record.preview.get("changed", []),
            "retry": record.retries.order_by("-pk").first() if record.can_retry else None,
            "mine": mine,
        },
    )


@login_required
def import_job(request, pk: int):
    record, _mine = get_import_for_user_or_404(request.user, pk)
    record = import_recover_if_stalled(record=record)
    if not record.is_active and record.status != ImportStatus.DONE:
        return redirect("imports:import_preview", record.pk)
    status_changes = record.status_changes.select_related("user")
    return render(
        request,
        "imports/job.html",
        {"record": record, "importer": get_importer(record.kind), "status_changes": status_changes},
    )


@login_required
@require_GET
def import_status(request, pk: int):
    record, _mine = get_import_for_user_or_404(request.user, pk)
    record = import_recover_if_stalled(record=record)
    return JsonResponse(
        {
            "status": record.status,
            "status_display": record.get_status_display(),
            "active": record.is_active,
            "rows_done": record.rows_done,
            "rows_total": record.rows_total,
            "percent": record.percent,
            "errors": record.error_count,
            "created": record.created_count,
            "changed": record.changed_count,
            "unchanged": record.unchanged_count,
            "cancel_requested": record.cancel_requested,
        }
    )


@login_required
@require_POST
def import_confirm(request, pk: int):
    record, mine = get_import_for_user_or_404(request.user, pk)
    if not mine:
        raise PermissionDenied
    _importer_for_user_or_404(request.user, record.kind)
    # A confirmation whose worker died was dropped by the recovery: it can be given again.
    record = import_recover_if_stalled(record=record)
    # Its heartbeat starts again and its dry run's task is forgotten, so that the recovery waits for
    # the commit's (core.jobs).
    claimed = ImportRecord.objects.filter(
        pk=record.pk, status=ImportStatus.DRY_RUN, error_count=0, confirmed_at__isnull=True
    ).update(
        confirmed_at=timezone.now(),
        confirmed_by=request.user,
        heartbeat_at=timezone.now(),
        task_id="",
        message="",
    )
    if not claimed:
        messages.error(
            request, gettext("This import cannot be confirmed (already confirmed, cancelled or with errors).")
        )
        return redirect("imports:import_preview", record.pk)
    record.refresh_from_db()
    record = run_or_enqueue(record, "commit")
    if record.status == ImportStatus.DONE:
        messages.success(
            request,
            gettext("Imported: %(created)s created, %(changed)s changed, %(unchanged)s unchanged.")
            % {
                "created": record.created_count,
                "changed": record.changed_count,
                "unchanged": record.unchanged_count,
            },
        )
    return redirect(
        "imports:import_job"
        if record.is_active or record.status == ImportStatus.DONE
        else "imports:import_preview",
        record.pk,
    )


@login_required
@require_POST
def import_cancel_view(request, pk: int):
    record, mine = get_import_for_user_or_404(request.user, pk)
    if not mine:
        raise PermissionDenied
    if record.can_cancel:
        record = import_cancel(record=record, user=request.user)
        messages.success(
            request, gettext("Cancellation requested.") if record.is_active else gettext("Cancelled.")
        )
    return redirect("imports:import_job" if record.is_active else "imports:import_preview", record.pk)


@login_required
@require_POST
def import_retry_view(request, pk: int):
    record, mine = get_import_for_user_or_404(request.user, pk)
    if not mine:
        raise PermissionDenied
    if not record.can_retry:
        messages.error(request, gettext("Only a failed or cancelled import can be retried."))
        return redirect("imports:import_preview", record.pk)
    again = import_retry(record=record, user=request.user)
    return redirect("imports:import_job" if again.is_active else "imports:import_preview", again.pk)


@login_required
@require_GET
def import_template(request, kind: str):
    """An XLSX with the header row, one example row (or the rows a kind pre-fills for the query's
    parameters) and drop-down lists on the choice columns."""
    importer = _importer_for_user_or_404(request.user, kind)
    rows = importer.template_rows(request.user, request.GET)
    return _xlsx_response(importer, rows, f"{slugify(importer.kind)}-template.xlsx", validations=True)


@login_required
@require_GET
def export(request, kind: str):
    importer = _importer_for_user_or_404(request.user, kind)
    rows = export_kind(user=request.user, kind=kind)
    stamp = timezone.localdate().isoformat()
    if request.GET.get("format") == "csv":
        locale = request.GET.get("locale", NumberLocale.DOT)
        if locale not in NumberLocale.values:
            locale = NumberLocale.DOT
        response = StreamingHttpResponse(
            _csv_stream(importer, rows, locale), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{slugify(kind)}-{stamp}.csv"'
        return response
    return _xlsx_response(importer, rows, f"{slugify(kind)}-{stamp}.xlsx")


def _xlsx_response(importer: Importer, rows, filename: str, *, validations: bool = False) -> HttpResponse:
    # xlsxwriter in constant_memory mode needs a real file; it is deleted when the response closes.
    spooled = tempfile.TemporaryFile()
    write_xlsx(
        spooled, sheet=str(importer.label), columns=importer.columns, rows=rows, validations=validations
    )
    spooled.seek(0)
    return FileResponse(spooled, as_attachment=True, filename=filename, content_type=XLSX_TYPE)


def _csv_stream(importer: Importer, rows, locale: str):
    """CSV text in pieces of 500 rows, so a large export never sits whole in memory."""
    buffer = io.StringIO()
    buffer.write("\ufeff")  # a BOM, so spreadsheet programs open the file as UTF-8
    header = True
    for batch in batches(rows, 500):
        write_csv(buffer, columns=importer.columns, rows=batch, locale=locale, header=header)
        header = False
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    if header:  # no rows: the header alone
        write_csv(buffer, columns=importer.columns, rows=[], locale=locale)
        yield buffer.getvalue()


def _problem_row(data: dict) -> dict:
    problem = Problem.from_json(data)
    return {
        "sheet": problem.sheet,
        "row": problem.row,
        "column": problem.column,
        "value": problem.value,
        "message": problem.text(),
    }
