"""Concurrent changes of one progress report (PostgreSQL: real row locks, one connection per thread).

Two approvals at once: exactly one wins, the other gets the one exception, one status change is written.
Edits racing a submit: what was submitted is what is stored, and an edit from an older version is
refused, never silently lost.
"""

import datetime
import threading
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connection, connections

from core.exceptions import TransitionNotAllowed
from core.models import StatusChange
from results import services
from results.models import PlanStatus, ProgressReport, ProgressStatus, WorkPlan

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no row locks and one writer at a time: the race needs PostgreSQL")


def run_at_once(*functions) -> list:
    """Run each function in its own thread (its own connection), all released together; their outcomes."""
    barrier = threading.Barrier(len(functions))
    outcomes: list = [None] * len(functions)

    def run(index, function):
        try:
            barrier.wait()
            outcomes[index] = function()
        except Exception as error:  # noqa: BLE001 - the outcome is what the test looks at
            outcomes[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, f)) for i, f in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def changes_of(model, pk) -> list[StatusChange]:
    return list(
        StatusChange.objects.filter(content_type=ContentType.objects.get_for_model(model), object_id=pk)
    )


def test_two_approvals_at_once_one_wins_and_one_is_refused(submitted_report, staff_user):
    pk = submitted_report.pk

    def approve():
        return services.progress_approve(report=ProgressReport.objects.get(pk=pk), user=staff_user)

    outcomes = run_at_once(approve, approve)
    won = [o for o in outcomes if isinstance(o, ProgressReport)]
    refused = [o for o in outcomes if isinstance(o, TransitionNotAllowed)]
    assert (len(won), len(refused)) == (1, 1), outcomes
    assert ProgressReport.objects.get(pk=pk).status == ProgressStatus.APPROVED
    assert [c.to_status for c in changes_of(ProgressReport, pk)] == [
        ProgressStatus.SUBMITTED,
        ProgressStatus.APPROVED,
    ]


def test_two_approvals_of_a_plan_at_once_are_settled_by_the_conditional_update(
    pcc, partner_a_user, staff_user
):
    # No row lock here: both load the submitted plan, and the UPDATE ... WHERE status = 'submitted' decides.
    WorkPlan.objects.filter(programme=pcc, code="poa-prosur-2008").update(status=PlanStatus.DRAFT)
    plan = services.plan_submit(
        plan=WorkPlan.objects.get(programme=pcc, code="poa-prosur-2008"), user=partner_a_user
    )
    copies = [WorkPlan.objects.get(pk=plan.pk), WorkPlan.objects.get(pk=plan.pk)]
    outcomes = run_at_once(*(lambda c=c: services.plan_approve(plan=c, user=staff_user) for c in copies))
    assert sorted(type(o).__name__ for o in outcomes) == ["TransitionNotAllowed", "WorkPlan"], outcomes
    assert [c.to_status for c in changes_of(WorkPlan, plan.pk)] == [PlanStatus.SUBMITTED, PlanStatus.APPROVED]


def test_ten_edits_racing_a_submit_never_change_what_was_submitted(draft_report, partner_a_user):
    pk, version = draft_report.pk, draft_report.version

    def edit(value):
        def run():
            return services.progress_update(
                report=ProgressReport.objects.get(pk=pk),
                user=partner_a_user,
                reported_on=datetime.date(2008, 9, 30),
                achieved_value=Decimal(value),
                # Every editor opened the form on the same version.
                version=version,
            )

        return run

    def submit():
        return services.progress_submit(report=ProgressReport.objects.get(pk=pk), user=partner_a_user)

    outcomes = run_at_once(*(edit(10 + n) for n in range(10)), submit)
    edits, submitted = outcomes[:10], outcomes[10]
    assert isinstance(submitted, ProgressReport), submitted

    saved = [o for o in edits if isinstance(o, ProgressReport)]
    refused = [o for o in edits if isinstance(o, ValidationError)]
    assert len(saved) + len(refused) == 10, edits
    # One edit at most starts from the version it names; the others find it changed (or submitted).
    assert len(saved) <= 1
    assert {error.code for error in refused} <= {"stale", "not_editable"}

    stored = ProgressReport.objects.get(pk=pk)
    at_submit = stored.history.get(status=ProgressStatus.SUBMITTED)
    assert stored.status == ProgressStatus.SUBMITTED
    assert (at_submit.achieved_value, at_submit.version) == (stored.achieved_value, stored.version)
    # Not lost: the edit that was saved is what is stored (and was submitted); none other left a trace.
    expected = saved[0].achieved_value if saved else Decimal("1")
    assert stored.achieved_value == expected
    edited = stored.history.filter(status=ProgressStatus.DRAFT, history_type="~")
    assert edited.count() == len(saved)
