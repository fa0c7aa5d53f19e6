import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from results import services
from results.models import Activity, Aggregation, Indicator, ProgressReport, validate_evidence
from results.targets import TargetKind, parse_month_range, parse_target


@pytest.mark.parametrize(
    ("printed", "kind", "value", "unit"),
    [
        ("10", TargetKind.NUMBER, Decimal("10"), ""),  # PROSUR IPR.2.1, line 341
        ("80%", TargetKind.PERCENTAGE, Decimal("80"), "%"),  # PROSUR 1.1, line 351
        ("1.5%", TargetKind.PERCENTAGE, Decimal("1.5"), "%"),  # PROSUR 4.2.2, line 413
        ("70% de asistencia", TargetKind.PERCENTAGE, Decimal("70"), "% de asistencia"),  # line 508
        ("1 millar", TargetKind.QUANTITY, Decimal("1"), "millar"),  # AMPEX 2.1.2, line 516
        # AMPEX IR 4.1, line 477
        ("2 reuniones anuales por socio", TargetKind.QUANTITY, Decimal("2"), "reuniones anuales por socio"),
        ("$ 10 (mes/socio)", TargetKind.MONEY, Decimal("10"), "(mes/socio)"),  # AMPEX 8.2, line 563
        ("1 y 2", TargetKind.PAIR, Decimal("1"), ""),  # AMPEX 2.1.6, line 519
        ("Prosur recibe ingresos", TargetKind.TEXT, None, ""),  # PROSUR IR.4.2, line 344
        ("n.d.", TargetKind.NOT_AVAILABLE, None, ""),
        ("-", TargetKind.NOT_AVAILABLE, None, ""),
        ("", TargetKind.BLANK, None, ""),
    ],
)
def test_printed_targets_are_read_by_type(printed, kind, value, unit):
    parsed = parse_target(printed)
    assert (parsed.kind, parsed.value, parsed.unit) == (kind, value, unit)


@pytest.mark.parametrize(
    ("printed", "value"),
    [
        # The work plans' thousands comma: "10,000 empleos", "7,700 unidades productivas" (line 295).
        ("1,500 empresas", Decimal("1500")),
        ("10,000 empresas", Decimal("10000")),
        # The tourism budget's thousands point: "321.895" (line 1087).
        ("1.500 empresas", Decimal("1500")),
        ("1'500 empresas", Decimal("1500")),
        # Decimals: a point in the work plans ("1.5%", line 413), a comma in that budget ("0,00", line 1041).
        ("2,5 empresas", Decimal("2.5")),
        ("1.500,25 empresas", Decimal("1500.25")),
        ("1,500.25 empresas", Decimal("1500.25")),
    ],
)
def test_target_numbers_are_read_by_the_projects_number_parser(printed, value):
    parsed = parse_target(printed)
    assert (parsed.kind, parsed.value, parsed.unit) == (TargetKind.QUANTITY, value, "empresas")


def test_thousands_separators_in_every_numeric_kind():
    assert parse_target("10,000").value == Decimal("10000")
    assert parse_target("1,500%").value == Decimal("1500")
    assert (parse_target("US$ 1,500").value, parse_target("US$ 1,500").currency) == (Decimal("1500"), "USD")
    assert (parse_target("1,500 y 2.000").value, parse_target("1,500 y 2.000").second_value) == (
        Decimal("1500"),
        Decimal("2000"),
    )


def test_digits_that_are_not_a_number_are_text():
    assert parse_target("1,50,0 empresas").kind == TargetKind.TEXT


def test_loaded_targets_keep_the_decimal_point_of_the_work_plan(pcc):
    alpaca = Activity.objects.get(plan__code="poa-prosur-2008", key="4.2.2")  # "1.5%", line 413
    assert (alpaca.target_kind, alpaca.target_value) == (TargetKind.PERCENTAGE, Decimal("1.5"))


@pytest.mark.parametrize(
    ("printed", "start", "end"),
    [
        ("Set - Dic", 9, 12),
        ("Set. – Dic", 9, 12),
        ("Nov - Dic", 11, 12),
        ("octubre", 10, 10),
        ("Setiembre-diciembre", 9, 12),
        ("Sep – Nov", 9, 11),
        ("Set -Dic", 9, 12),
    ],
)
def test_month_ranges_are_read_as_printed(printed, start, end):
    assert parse_month_range(printed, 2008) == (datetime.date(2008, start, 1), datetime.date(2008, end, 1))


def test_per_period_targets_add_up_approved_values(pcc, prosur_activity):
    assert prosur_activity.aggregation == Aggregation.PER_PERIOD
    assert prosur_activity.achieved_from([Decimal("1"), None, Decimal("0.5")]) == Decimal("1.5")
    assert prosur_activity.achievement_percent(Decimal("1.5")) == Decimal("75.0")


def test_cumulative_targets_take_the_latest_value(pcc):
    share = Activity.objects.get(plan__code="poa-turismo-2008", key="1.4")  # "15%" of own funding, line 986
    assert share.aggregation == Aggregation.CUMULATIVE
    assert share.achieved_from([Decimal("9"), Decimal("12")]) == Decimal("12")
    assert share.achievement_percent(Decimal("12")) == Decimal("80.0")


def test_lower_is_better_inverts_the_percentage(prosur_activity):
    prosur_activity.lower_is_better = True
    assert prosur_activity.achievement_percent(Decimal("1")) == Decimal("200.0")
    assert prosur_activity.achievement_percent(Decimal("4")) == Decimal("50.0")
    assert prosur_activity.achievement_percent(Decimal("0")) == Decimal("100")


def test_no_percentage_without_a_target_number(pcc):
    text = Indicator.objects.get(
        result__plan__code="poa-prosur-2008", code="IR.4.2"
    )  # "Prosur recibe ingresos"
    assert text.expects_text
    assert text.achievement_percent(Decimal("1")) is None


def _approve(report, staff):
    return services.progress_approve(
        report=services.progress_submit(report=report, user=report.created_by), user=staff
    )


def test_with_progress_sums_approved_values_per_period_in_sql(
    pcc, prosur_activity, september, october, partner_a_user, staff_user
):
    for period, value in ((september, "1"), (october, "0.5")):
        _approve(
            services.progress_create(
                target=prosur_activity,
                period=period,
                user=partner_a_user,
                reported_on=period.end_date,
                achieved_value=Decimal(value),
            ),
            staff_user,
        )
    activity = Activity.objects.with_progress().get(pk=prosur_activity.pk)
    assert activity.achieved == Decimal("1.5")
    assert activity.achieved_percent == Decimal("75.0")


def test_with_progress_takes_the_latest_approved_value_of_cumulative_targets(
    pcc, prosur_indicator, september, october, partner_a_user, staff_user
):
    assert prosur_indicator.aggregation == Aggregation.CUMULATIVE
    for period, value in ((september, "6"), (october, "8")):
        _approve(
            services.progress_create(
                target=prosur_indicator,
                period=period,
                user=partner_a_user,
                reported_on=period.end_date,
                achieved_value=Decimal(value),
            ),
            staff_user,
        )
    services.progress_create(
        target=prosur_indicator,
        period=october.__class__.objects.get(label="Noviembre 2008"),
        user=partner_a_user,
        reported_on=datetime.date(2008, 11, 30),
        achieved_value=Decimal("9"),
    )  # a draft does not count
    indicator = Indicator.objects.with_progress().get(pk=prosur_indicator.pk)
    assert indicator.achieved == Decimal("8")
    assert indicator.achieved_percent == Decimal("80.0")


def test_numeric_targets_take_a_number_and_text_targets_a_text(
    pcc, prosur_activity, september, partner_a_user
):
    report = ProgressReport(
        activity=prosur_activity,
        period=september,
        reported_on=datetime.date(2008, 9, 30),
        achieved_text="dos",
        created_by=partner_a_user,
    )
    with pytest.raises(ValidationError) as error:
        report.full_clean()
    assert "achieved_text" in error.value.message_dict
    text_indicator = Indicator.objects.get(result__plan__code="poa-prosur-2008", code="IR.4.2")
    report = ProgressReport(
        indicator=text_indicator,
        period=september,
        reported_on=datetime.date(2008, 9, 30),
        achieved_value=Decimal("1"),
        created_by=partner_a_user,
    )
    with pytest.raises(ValidationError) as error:
        report.full_clean()
    assert "achieved_value" in error.value.message_dict


# The first bytes of each kind (the content is checked too: tests/results/test_evidence_content.py).
HEADS = {"pdf": b"%PDF-1.4\n", "jpg": b"\xff\xd8\xff\xe0", "csv": b"", "exe": b"MZ"}


@pytest.mark.parametrize(
    ("name", "size", "ok"),
    [
        ("informe.pdf", 1024, True),
        ("foto.JPG", 1024, True),
        ("datos.csv", 10, True),
        ("script.exe", 10, False),
        ("informe.pdf", 5 * 1024 * 1024 + 1, False),
    ],
)
def test_evidence_must_be_a_small_document_or_image(name, size, ok):
    upload = SimpleUploadedFile(name, HEADS[name.rsplit(".", 1)[1].lower()] + b"x" * size)
    if ok:
        validate_evidence(upload)
    else:
        with pytest.raises(ValidationError):
            validate_evidence(upload)
