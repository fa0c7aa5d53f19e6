"""What changes findings: the workflows (explained by staff, reopened when found again or by staff,
resolved when no longer found; each a :func:`core.workflow.transition` along ``Finding.workflow``) and
:func:`figures_changed`, the one way a writer asks for the findings to be computed again."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import F
from django.db.models.signals import post_delete, post_save
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _

from core.i18n import Message
from core.models import User
from core.workflow import transition
from reconciliation.models import Finding, FindingStatus, ReconciliationRule, RuleOrigin


def finding_reopen(
    *, finding: Finding, user: User | None, reason: str | Message, changes: dict[str, Any] | None = None
) -> Finding:
    """Open an explained or resolved finding again, saying why; ``user`` is ``None`` for the reconciliation.

    The explanation it had stays in its history and status changes. ``changes`` are the figures the
    reconciliation found now, written in the same UPDATE as the status.
    """
    finding = transition(
        finding,
        FindingStatus.OPEN,
        user=user,
        reason=reason,
        explanation="",
        explained_by=None,
        explained_at=None,
        **(changes or {}),
    )
    if user is not None:  # the reconciliation notes its own run once, at its end
        figures_recomputed(finding.rule.programme_id)
    return finding


#: Sent (``programme_id``) once a programme's figures or findings have changed and been recomputed.
figures_recomputed_signal = Signal()


def figures_recomputed(programme, *, using: str | None = None) -> None:
    """Note that ``programme``'s figures or findings are new: bump ``Programme.figures_version`` (the key
    of what pages cache about it, so every web process sees the change) and send
    :data:`figures_recomputed_signal`. Called by the reconciliation at the end of each run, which every
    :func:`figures_changed` leads to, and by staff changing a finding."""
    from agreements.models import Programme

    programme_id = getattr(programme, "pk", programme)
    _bump_figures_version(programme_id, using)
    figures_recomputed_signal.send(sender=Programme, programme_id=programme_id)


def _bump_figures_version(programme_id: int, using: str | None) -> None:
    from agreements.models import Programme

    Programme.objects.using(using).filter(pk=programme_id).update(figures_version=F("figures_version") + 1)


def finding_resolve(*, finding: Finding) -> Finding:
    """The reconciliation no longer finds it: the finding is kept, resolved, until found again."""
    return transition(finding, FindingStatus.RESOLVED)


def finding_explain(*, finding: Finding, user, comment: str) -> Finding:
    """Staff record why a finding is acceptable; it stays explained until its figures change."""
    if not user.has_perm("budgets.explain_finding", finding.rule.programme):
        raise PermissionDenied
    comment = comment.strip()
    if not comment:
        raise ValidationError(_("An explanation needs a comment."))
    finding = transition(
        finding,
        FindingStatus.EXPLAINED,
        user=user,
        reason=comment,
        explanation=comment,
        explained_by=user,
        explained_at=timezone.now(),
    )
    figures_recomputed(finding.rule.programme_id)
    return finding


class _Recompute:
    """The on-commit job of one programme: reconciles it once, whatever number of changes asked for it."""

    def __init__(self, programme_id: int, cause: str, using: str | None):
        self.programme_id, self.causes, self.using = programme_id, [], using
        self.done = False  # a run that has happened takes no more causes (tests run callbacks early)
        self.add(cause)

    def add(self, cause: str) -> None:
        cause = cause if len(cause) <= 80 else cause[:79] + "…"
        if cause not in self.causes:
            self.causes.append(cause)

    @property
    def cause(self) -> str:
        shown = self.causes[:3]
        more = len(self.causes) - len(shown)
        return "; ".join(shown) + (f" (+{more})" if more > 0 else "")

    def __call__(self) -> None:
        from agreements.models import Programme
        from reconciliation.engine import reconcile

        self.done = True
        programme = Programme.objects.using(self.using).filter(pk=self.programme_id).first()
        if programme is not None:  # deleted in the same transaction: nothing left to reconcile
            reconcile(programme, self.cause[:255])


def _scheduled(programme_id: int, using: str | None) -> _Recompute | None:
    """The job already scheduled for ``programme_id`` in the current transaction, if any."""
    connection = transaction.get_connection(using)
    if not connection.in_atomic_block:
        return None
    # One job per programme per transaction: Django keeps the pending callbacks on the connection.
    for _savepoints, job, _robust in connection.run_on_commit:
        if isinstance(job, _Recompute) and job.programme_id == programme_id and not job.done:
            return job
    return None


def scheduled_causes(programme, *, using: str | None = None) -> list[str]:
    """Why the reconciliation of ``programme`` will run when the current transaction commits ([]: it
    will not)."""
    job = _scheduled(getattr(programme, "pk", programme), using)
    return list(job.causes) if job else []


def figures_changed(programme, cause: str, *, using: str | None = None, changed: bool = True) -> None:
    """Reconcile ``programme`` (an instance or its pk) once the current transaction commits; at once when
    there is none. Every writer calls this: admin saves and deletes (through :func:`watch`), imports,
    loaders, approvals, rate changes. Several calls in one transaction make one run, noting each cause.
    A rolled-back transaction runs nothing. ``changed=False``: a writer that wrote nothing (a reload of
    the same fixtures) asks for the run only; what pages cached stays valid unless the run finds otherwise.
    """
    programme_id = getattr(programme, "pk", programme)
    if programme_id is None:
        return
    # At once too, in the writer's transaction: its own later reads (and everyone's once it commits)
    # miss what pages cached of the old figures, even before the reconciliation has run.
    if changed:
        _bump_figures_version(programme_id, using)
    job = _scheduled(programme_id, using)
    if job is not None:
        job.add(cause)
        return
    transaction.on_commit(_Recompute(programme_id, cause, using), using=using)


def derive_rule(programme, code: str, kind: str, *, description: str, description_en: str, subject=None):
    """The derived rule ``code`` of ``programme`` (made once, never written by hand): a rule every
    programme has, or one about a subject the data brought (a partner's financial report, say)."""
    rule, _created = ReconciliationRule.objects.get_or_create(
        programme=programme,
        code=code,
        defaults={
            "kind": kind,
            "subject": subject,
            "description": description,
            "description_en": description_en,
            "origin": RuleOrigin.DERIVED,
        },
    )
    return rule


def every_programme(*_instance) -> list[int]:
    """``programmes_of`` for what all programmes share (exchange rates): the pks of every programme."""
    from agreements.models import Programme

    return list(Programme.objects.values_list("pk", flat=True))


def through(model: type[models.Model], attname: str, path: str) -> Callable[[models.Model], Any]:
    """``programmes_of`` for :func:`watch` of an object whose programme is reached through ``model``:
    ``through(WorkPlan, "plan_id", "programme_id")`` (one query, which also works after a delete)."""

    def programme(instance):
        return model.objects.filter(pk=getattr(instance, attname)).values_list(path, flat=True).first()

    return programme


def _attribute(attname: str) -> Callable[[models.Model], Any]:
    return lambda instance: getattr(instance, attname)


def watch(model: type[models.Model], programmes_of: str | Callable[[models.Model], Any], cause) -> None:
    """Call :func:`figures_changed` for ``programmes_of(instance)`` (a programme, a pk, an iterable of
    them or ``None``; a string names the instance's attribute, e.g. ``"programme_id"``) after every save
    and delete of ``model``: the admin, the shell, any ``save()``.
    Bulk writes (imports) send no signals and call :func:`figures_changed` themselves. ``cause`` (lazily
    translated, with ``%(object)s``) is written in the language of whoever made the change.
    """

    def changed(sender, instance, raw=False, **kwargs):
        if raw:  # loaddata: the figures arrive with their findings
            return
        programmes = programmes_of(instance)
        if programmes is None:
            return
        if not isinstance(programmes, (list, tuple, set, frozenset, models.QuerySet)):
            programmes = [programmes]
        for programme in programmes:
            figures_changed(programme, str(cause) % {"object": instance}, using=kwargs.get("using"))

    uid = f"reconciliation.watch:{model._meta.label}"
    if isinstance(programmes_of, str):
        programmes_of = _attribute(programmes_of)
    post_save.connect(changed, sender=model, weak=False, dispatch_uid=uid + ":save")
    post_delete.connect(changed, sender=model, weak=False, dispatch_uid=uid + ":delete")
