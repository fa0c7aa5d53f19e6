"""One way to change a status, for every model that has a workflow.

A model declares ``workflow = Workflow(Statuses, {from: {to, ...}})`` next to its ``TextChoices``;
:func:`transition` is then the only code that changes its status. It checks the map, changes the
row with a conditional ``UPDATE ... WHERE pk = ... AND status = <old>`` (of two concurrent changes
exactly one matches the row, the other gets :class:`~core.exceptions.TransitionNotAllowed`), writes one
:class:`~core.models.StatusChange` and, for models with simple-history, one history row crediting
the user, all in one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models, router, transaction
from django.db.models import F
from django.utils import translation

from core.exceptions import TransitionNotAllowed
from core.i18n import Message

# simple-history keeps a change reason of at most 100 characters; the status change keeps it whole.
HISTORY_REASON_MAX_LENGTH = 100


@dataclass(frozen=True)
class Workflow:
    """The statuses of a model and the changes allowed between them.

    ``version_field`` names an integer field that every transition increments (optimistic locking
    of edits, see ``ProgressReport.version``).
    """

    statuses: type[models.TextChoices]
    transitions: Mapping[str, Iterable[str]]
    status_field: str = "status"
    version_field: str | None = None
    _map: dict[str, frozenset[str]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        known = set(self.statuses.values)
        mapped = {
            str(source): frozenset(str(t) for t in targets) for source, targets in self.transitions.items()
        }
        unknown = (set(mapped) | set().union(*mapped.values())) - known
        if unknown or set(mapped) != known:
            raise ValueError(
                f"The transitions of {self.statuses.__name__} do not match its statuses: {unknown}."
            )
        object.__setattr__(self, "_map", mapped)

    def targets(self, source: str) -> frozenset[str]:
        """The statuses ``source`` may change to."""
        return self._map.get(source, frozenset())

    def allows(self, source: str, target: str) -> bool:
        return target in self.targets(source)

    def label(self, status: str) -> str:
        """The status's label, lazily translated (a status no longer in the choices as it is)."""
        try:
            return self.statuses(status).label
        except ValueError:
            return status

    def as_dict(self) -> dict[str, frozenset[str]]:
        return dict(self._map)


def transition(
    obj: models.Model, to: str, *, user: Any = None, reason: str | Message = "", **fields: Any
) -> models.Model:
    """Change ``obj``'s status from the one it has in memory to ``to``, with ``fields`` in the same UPDATE.

    Refuses, with :class:`~core.exceptions.TransitionNotAllowed`, a change the model's workflow does not
    allow and a change from a status the row no longer has (another change won). ``user`` is who made
    the change (``None`` for the system); ``reason`` goes to the status change and the history row (a
    :class:`~core.i18n.Message` when the system gives it: the status change shows it in the reader's
    language).
    Returns ``obj`` refreshed from the database.
    """
    model = type(obj)
    workflow: Workflow = model.workflow
    source = getattr(obj, workflow.status_field)
    if not workflow.allows(source, to):
        raise TransitionNotAllowed(obj, source, to)
    values = {workflow.status_field: to, **fields}
    if workflow.version_field:
        values[workflow.version_field] = F(workflow.version_field) + 1
    using = router.db_for_write(model, instance=obj)
    rows = model._base_manager.using(using)
    # No savepoint of its own: the change, its StatusChange and its history row commit or roll back
    # with the caller's transaction; a refusal is raised once the block is left, so it never marks
    # the caller's transaction for rollback.
    with transaction.atomic(using=using, savepoint=False):
        changed = rows.filter(pk=obj.pk, **{workflow.status_field: source}).update(**values)
        if changed:
            _reload(obj, rows)
            _record(obj, source, to, user, reason, using)
    if not changed:
        current = rows.filter(pk=obj.pk).values_list(workflow.status_field, flat=True).first()
        raise TransitionNotAllowed(obj, current, to)
    return obj


def _reload(obj: models.Model, rows: models.QuerySet) -> None:
    """Read the row back into ``obj`` (the history row is written from it), keeping the related
    objects already loaded whose key did not change (``refresh_from_db`` would drop them all)."""
    fresh = rows.get(pk=obj.pk)
    for model_field in obj._meta.concrete_fields:
        value = getattr(fresh, model_field.attname)
        if (
            model_field.is_relation
            and model_field.is_cached(obj)
            and getattr(obj, model_field.attname) != value
        ):
            model_field.delete_cached_value(obj)
        setattr(obj, model_field.attname, value)
    # A prefetched list of its status changes (or anything else) is out of date.
    obj.__dict__.pop("_prefetched_objects_cache", None)


def _record(obj: models.Model, source: str, to: str, user: Any, reason: str | Message, using: str) -> None:
    # Imported here: core.models declares its own workflows with this module's Workflow.
    from core.models import StatusChange

    reason_data = {}
    if isinstance(reason, Message):
        reason_data = reason.as_json()
        with translation.override(settings.LANGUAGE_CODE):
            reason = reason.render()
    model = type(obj)
    StatusChange.objects.using(using).create(
        content_type=ContentType.objects.db_manager(using).get_for_model(model),
        object_id=obj.pk,
        from_status=source,
        to_status=to,
        user=user,
        reason=reason,
        reason_data=reason_data,
    )
    history = getattr(model._meta, "simple_history_manager_attribute", None)
    if history:
        # A queryset UPDATE sends no post_save: the history row is written here, credited to ``user``.
        obj._history_user = user
        obj._change_reason = reason[:HISTORY_REASON_MAX_LENGTH]
        getattr(model, history).bulk_history_create([obj], update=True, default_user=user)
