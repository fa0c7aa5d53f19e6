"""core.loading: loading a programme folder twice writes nothing the second time, history included."""

import pytest
from django.apps import apps

from core.loading import load_programme
from tests.conftest import PCC_FOLDER


def _models():
    return [model for model in apps.get_models() if not model._meta.proxy]


def _history_counts() -> dict[str, int]:
    return {m._meta.label: m.objects.count() for m in _models() if m.__name__.startswith("Historical")}


def _rows() -> dict[str, list[str]]:
    """Every row of every other table, so two loads can be compared exactly."""
    return {
        m._meta.label: sorted(map(repr, m.objects.values_list()))
        for m in _models()
        if not m.__name__.startswith("Historical")
    }


@pytest.mark.django_db
def test_loading_twice_adds_no_history_row_and_changes_no_row():
    load_programme(PCC_FOLDER)
    history, rows = _history_counts(), _rows()
    load_programme(PCC_FOLDER)
    after = _history_counts()
    assert {label: after[label] - n for label, n in history.items() if after[label] != n} == {}
    changed = [label for label, before in rows.items() if _rows()[label] != before]
    assert changed == []
