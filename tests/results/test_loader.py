import datetime
from decimal import Decimal

import pytest

from core.loading import load_programme
from results.models import (
    Activity,
    Aggregation,
    Footnote,
    Indicator,
    IndicatorKind,
    ReportingPeriod,
    Result,
    ScheduleMonth,
    TargetKind,
    WorkPlan,
)
from tests.conftest import PCC_FOLDER
from tests.results.source import TABLES, source_counts


@pytest.mark.parametrize("plan_code", sorted(TABLES))
def test_each_plan_has_the_results_indicators_and_activities_printed_in_the_source(pcc, plan_code):
    expected = source_counts(plan_code)
    plan = WorkPlan.objects.get(code=plan_code)
    assert plan.results.count() == expected["results"]
    assert Indicator.objects.filter(result__plan=plan).count() == expected["indicators"]
    assert plan.activities.exclude(code="").count() == expected["activities"]


def test_counts_per_plan_are_pinned(pcc):
    counts = {
        plan.code: (
            plan.results.count(),
            Indicator.objects.filter(result__plan=plan).count(),
            plan.activities.count(),
        )
        for plan in WorkPlan.objects.all()
    }
    assert counts == {
        "poa-prosur-2008": (6, 7, 61),
        "poa-ampex-2008": (9, 25, 39),
        "poa-cerx-aqp-2008": (3, 25, 17),
        "poa-cerx-lam-2008": (3, 23, 12),
        "poa-turismo-2008": (5, 26, 21),
    }


def test_loading_twice_changes_nothing_not_even_history(pcc):
    models = [WorkPlan, Result, Indicator, Activity, ScheduleMonth, Footnote, ReportingPeriod]
    before = {m: m.objects.count() for m in models}
    history_before = (WorkPlan.history.count(), Indicator.history.count(), Activity.history.count())
    ctx = load_programme(PCC_FOLDER)
    assert {m: m.objects.count() for m in models} == before
    assert (WorkPlan.history.count(), Indicator.history.count(), Activity.history.count()) == history_before
    assert not [label for label in ctx.stats if label.endswith(" written")]


def test_plans_belong_to_their_partner_component_and_period(pcc):
    plan = WorkPlan.objects.get(code="poa-turismo-2008")
    assert plan.organisation.acronym == "SC"
    assert sorted(plan.partners.values_list("acronym", flat=True)) == [
        "OGD-APU",
        "OGD-AQP",
        "OGD-CUS",
        "OGD-MOQ",
        "OGD-PUN",
        "OGD-TAC",
    ]
    assert plan.component.code == "L2"
    assert (plan.period_start, plan.period_end) == (datetime.date(2008, 9, 1), datetime.date(2008, 12, 31))
    assert WorkPlan.objects.get(code="poa-prosur-2008").component.code == "1.2"
    assert WorkPlan.objects.get(code="poa-cerx-lam-2008").component.code == "1.3"


def test_every_item_keeps_the_text_of_its_seed_line(pcc):
    for activity in Activity.objects.select_related("plan__document").exclude(statement=""):
        line = activity.plan.document.line_text(activity.line)
        assert activity.statement.split(" ")[0] in line, (activity.plan.code, activity.key)
    for indicator in Indicator.objects.select_related("result__plan__document"):
        line = indicator.result.plan.document.line_text(indicator.line)
        assert indicator.code in line, (indicator.result.plan.code, indicator.code)


def test_targets_are_typed_and_keep_the_printed_text(pcc):
    def activity(plan, key):
        return Activity.objects.get(plan__code=plan, key=key)

    brochure = activity("poa-ampex-2008", "2.1.2")
    assert (brochure.target_text, brochure.target_kind, brochure.target_value, brochure.target_unit) == (
        "1 millar",
        TargetKind.QUANTITY,
        Decimal("1"),
        "millar",
    )
    commission = activity("poa-prosur-2008", "4.2.2")
    assert (commission.target_kind, commission.target_value) == (TargetKind.PERCENTAGE, Decimal("1.5"))
    assert commission.aggregation == Aggregation.CUMULATIVE
    contribution = activity("poa-ampex-2008", "8.2")
    assert (contribution.target_kind, contribution.target_value, contribution.target_currency) == (
        TargetKind.MONEY,
        Decimal("10"),
        "USD",
    )
    bulletins = activity("poa-ampex-2008", "2.1.6")
    assert (bulletins.target_kind, bulletins.target_value, bulletins.target_second_value) == (
        TargetKind.PAIR,
        Decimal("1"),
        Decimal("2"),
    )
    visits = activity("poa-turismo-2008", "1.2")
    assert (visits.target_text, visits.target_kind, visits.target_second_value) == (
        "2 Total =12",
        TargetKind.PAIR,
        Decimal("12"),
    )
    proposed = Indicator.objects.get(result__plan__code="poa-ampex-2008", code="IRA.3.1")
    assert proposed.target_text == "No se especifica (Se propone una meta de 4 productores)"
    assert (proposed.target_kind, proposed.target_value) == (TargetKind.TEXT, Decimal("4"))
    not_available = Indicator.objects.get(result__plan__code="poa-ampex-2008", code="IRA.3.2")
    assert not_available.target_kind == TargetKind.NOT_AVAILABLE
    assert activity("poa-prosur-2008", "2.7.2").target_kind == TargetKind.NOT_AVAILABLE


def test_activity_codes_are_hierarchical_and_merged_rows_are_split(pcc):
    plan = "poa-ampex-2008"
    first = Activity.objects.get(plan__code=plan, key="1.1.1")
    assert first.parent.key == "1.1" and first.line == first.parent.line == 508
    assert Activity.objects.get(plan__code=plan, key="2.1.5").parent.key == "2.1"
    twice = Activity.objects.filter(plan__code=plan, code="3.2.1.").order_by("order")
    assert [a.key for a in twice] == ["3.2.1", "3.2.1-b"]
    assert {a.parent.key for a in twice} == {"3.2"}
    cerx_rows = Activity.objects.filter(plan__code="poa-cerx-aqp-2008", parent__key="3.1.1").order_by("line")
    assert [(a.code, a.unit, a.line) for a in cerx_rows] == [
        ("", "Silabus", 803),
        ("", "Actas compromiso", 804),
    ]


def test_month_ranges_are_parsed_from_the_printed_text(pcc):
    def months(plan, key):
        a = Activity.objects.get(plan__code=plan, key=key)
        return a.months_as_printed, a.start_month, a.end_month

    assert months("poa-prosur-2008", "2.1.1") == (
        "Oct – Dic",
        datetime.date(2008, 10, 1),
        datetime.date(2008, 12, 1),
    )
    assert months("poa-prosur-2008", "2.7.2") == ("-", None, None)
    assert months("poa-ampex-2008", "1.1.1") == (
        "Set. – Dic",
        datetime.date(2008, 9, 1),
        datetime.date(2008, 12, 1),
    )
    assert months("poa-turismo-2008", "1.1") == (
        "octubre",
        datetime.date(2008, 10, 1),
        datetime.date(2008, 10, 1),
    )
    assert months("poa-turismo-2008", "1.2")[1:] == (datetime.date(2008, 9, 1), datetime.date(2008, 12, 1))


def test_the_tourism_schedule_is_kept_as_printed_including_its_inconsistencies(pcc):
    plan = WorkPlan.objects.get(code="poa-turismo-2008")
    assert ScheduleMonth.objects.filter(activity__plan=plan).count() == 21 * 4
    peer_review = Activity.objects.get(plan=plan, key="5.4")
    assert peer_review.months_as_printed == "setiembre"
    assert peer_review.schedule_line == 1028
    assert not peer_review.schedule_months.filter(planned=True).exists()
    fam_trip = Activity.objects.get(plan=plan, key="3.2")
    assert [m.month.month for m in fam_trip.schedule_months.filter(planned=True)] == [10, 12]
    assert Activity.objects.get(plan=plan, key="2.1").responsible == "AT / MOZ"


def test_year_indicators_link_to_the_phase_indicator_of_their_row(pcc):
    year = Indicator.objects.get(
        result__plan__code="poa-turismo-2008", kind=IndicatorKind.YEAR, code="IR.1.1"
    )
    assert year.phase_indicator.code == "IR.1.1"
    assert year.phase_indicator.kind == IndicatorKind.PHASE
    assert (year.target_value, year.phase_indicator.target_value) == (Decimal("3"), Decimal("6"))
    odd = Indicator.objects.get(result__plan__code="poa-turismo-2008", kind=IndicatorKind.YEAR, code="IR 5.4")
    assert odd.phase_indicator.code == "IR 5.3"
    assert "IR 5.4" in odd.note


def test_rows_split_by_a_page_break_keep_both_lines(pcc):
    ir42 = Indicator.objects.get(result__plan__code="poa-ampex-2008", code="IR 4.2")
    assert ir42.lines == [479, 488]
    assert ir42.target_text == "No se especifica (Se propone una meta de 3 fichas técnicas)"
    ir22 = Indicator.objects.get(result__plan__code="poa-ampex-2008", code="IR.2.2")
    assert (ir22.line, ir22.kind, ir22.target_text) == (472, IndicatorKind.PHASE, "Plan de capacitación")


def test_footnotes_are_attached_to_what_they_annotate(pcc):
    notes = {f.marker: f for f in Footnote.objects.filter(plan__code="poa-ampex-2008")}
    assert set(notes) == {"⁴", "⁵", "⁶", "⁷", "⁸", "⁹", "n.d."}
    assert notes["⁶"].indicator.code == "IR 3.2" and notes["⁶"].line == 485
    assert notes["⁷"].result.code == "1"
    assert notes["⁸"].activity.key == "2.1.1"
    assert notes["⁹"].activity.key == "2.1.3" and notes["⁹"].line == 526
    prosur = Footnote.objects.get(plan__code="poa-prosur-2008")
    assert (prosur.marker, prosur.result.code, prosur.line) == ("³", "6", 435)


def test_reporting_periods_are_the_four_months_of_the_extension(pcc):
    assert list(ReportingPeriod.objects.filter(programme=pcc).values_list("label", flat=True)) == [
        "Setiembre 2008",
        "Octubre 2008",
        "Noviembre 2008",
        "Diciembre 2008",
    ]


def _plan_files():
    import yaml

    folder = PCC_FOLDER / "results"
    return [
        yaml.safe_load(path.read_text(encoding="utf-8"))["work_plan"]
        for path in sorted(folder.glob("[1-5]*.yaml"))
    ]


def test_the_transcription_quotes_each_cell_verbatim_from_its_seed_line():
    from tests.results.source import SOURCE

    source = SOURCE.read_text(encoding="utf-8").splitlines()

    def text(*lines):
        return " ".join(source[n - 1] for n in lines)

    misquoted = []
    for plan in _plan_files():
        for result in plan["results"]:
            if not result.get("extra_lines") and result["statement"] not in text(result["line"]):
                misquoted.append((plan["code"], "result", result["code"]))
            for ind in result.get("indicators", []):
                printed = text(ind["line"], *ind.get("extra_lines", []))
                if not ind.get("extra_lines") and ind["statement"] not in printed:
                    misquoted.append((plan["code"], ind["code"], "statement"))
                if ind["target"] and "note" not in ind and ind["target"] not in printed:
                    misquoted.append((plan["code"], ind["code"], "target"))
            for act in result.get("activities") or []:
                for field in ("statement", "unit", "target", "months"):
                    if str(act.get(field) or "") not in text(act["line"]):
                        misquoted.append((plan["code"], act.get("key") or act["code"], field))
                schedule = act.get("schedule")
                if schedule and schedule["statement"] not in text(schedule["line"]):
                    misquoted.append((plan["code"], act["code"], "schedule"))
    assert misquoted == []
