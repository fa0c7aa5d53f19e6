"""The exceptions pcc's workflows raise, in one place so that callers catch one type per failure."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _


class TransitionNotAllowed(ValidationError):
    """A status change its workflow's map does not allow, or one another change got to first.

    ``source`` is the status the object really had (``None`` when it no longer exists), ``target``
    the status asked for.
    """

    def __init__(self, obj: Any, source: str | None, target: str):
        self.obj, self.source, self.target = obj, source, target
        workflow = type(obj).workflow
        super().__init__(
            _("%(object)s cannot go from “%(from)s” to “%(to)s”."),
            code="transition",
            params={
                "object": capfirst(type(obj)._meta.verbose_name),
                "from": workflow.label(source) if source is not None else "—",
                "to": workflow.label(target),
            },
        )


class JobLimitReached(Exception):
    """A user asked for one more background job than allowed at once; ``waiting`` are the jobs that count,
    newest first."""

    def __init__(self, limit: int, waiting: list):
        self.limit, self.waiting = limit, waiting
        super().__init__(f"{len(waiting)} jobs waiting or running; at most {limit} at once.")
