"""Fixture loader of this app (see core.loading); nothing to load yet."""

from core.loading import LoadContext


def load(ctx: LoadContext) -> None:
    return None
