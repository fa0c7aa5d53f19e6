"""Generated spreadsheets of every importable kind (issue #14, item 8): never a server error, every
refusal located, a dry run writes nothing, and an exported file imports again unchanged.

The files are drawn by ``tests/imports/fuzz.py`` (what is spoiled, and how, is described there).
The hypothesis profile ``ci`` (the default) checks 15 files per kind; ``HYPOTHESIS_PROFILE=fuzz``
300 (``bench/fuzz_imports.py`` counts outcomes over thousands).
"""

from __future__ import annotations

import gc
import sys

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from hypothesis import given, settings
from hypothesis import strategies as st

from core.models import ImportRecord, ImportStatus
from core.spreadsheets.errors import Problem
from imports.registry import get_importer, registry
from imports.services import import_dry_run, import_start
from tests.imports.fuzz import PROFILE, Case, base_rows, cases, check_outcome, run_case

KINDS = list(registry())


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def importing(admin_user, partner_a_user):
    """The user who imports a kind: the site administrator, or a partner's editor for its progress."""

    def user_for(kind):
        importer = get_importer(kind)
        return next(user for user in (admin_user, partner_a_user) if importer.can_import(user))

    return user_for


def test_every_kind_is_fuzzed():
    # A kind registered later is fuzzed too: this list is the registry's.
    assert {"exchange-rates", "budget-facts", "progress", "reconciliation-rules"} <= set(KINDS)


@pytest.mark.parametrize("kind", KINDS)
@settings(parent=settings.get_profile(PROFILE))
@given(data=st.data())
def test_a_generated_file_is_checked_or_refused_located_and_nothing_is_written(kind, importing, data):
    importer = get_importer(kind)
    user = importing(kind)
    case = data.draw(cases(importer, base_rows(importer, user)), label="file")
    check_outcome(case, run_case(case, user))


@pytest.mark.parametrize("kind", ["exchange-rates", "budget-facts"])
@settings(parent=settings.get_profile(PROFILE), max_examples=4)
@given(data=st.data())
def test_the_import_page_answers_every_generated_file_without_a_server_error(kind, admin_user, data):
    importer = get_importer(kind)
    case: Case = data.draw(cases(importer, base_rows(importer, admin_user)), label="file")
    client = Client(raise_request_exception=False)
    client.force_login(admin_user)
    response = client.post(
        reverse("imports:import_start"),
        {"kind": kind, "locale": case.locale, "file": SimpleUploadedFile(case.name, case.data())},
    )
    assert response.status_code in (200, 302), (case.spoiled, response.status_code)
    if response.status_code == 302:
        record = ImportRecord.objects.filter(user=admin_user).latest("pk")
        assert record.status in (ImportStatus.DRY_RUN, ImportStatus.FAILED)
        page = client.get(response["Location"], follow=True)
        assert page.status_code == 200, case.spoiled
        if record.errors:
            # The page says what is wrong and where, in the user's language (Spanish here).
            first = Problem.from_json(record.errors[0])
            with translation.override("es"):
                expected = f"<td>{escape(first.text())}</td>"
            assert expected in page.content.decode(), case.spoiled


# -- what the generated files found


def test_a_refused_utf16_csv_leaves_no_error_behind_once_its_upload_is_closed(admin_user, monkeypatch):
    # Found by the fuzzer: the rows of a UTF-16 CSV refused at its header were dropped after the dry run
    # had closed the upload, and their clean-up failed ("Exception ignored … I/O operation on closed file"
    # in the server's log for every such file).
    ignored = []
    monkeypatch.setattr(sys, "unraisablehook", ignored.append)
    data = "code;rate;colour\r\nx;1;red\r\n".encode("utf-16")
    record = import_start(
        user=admin_user, kind="exchange-rates", upload=SimpleUploadedFile("utf16.csv", data), locale="dot"
    )
    record = import_dry_run(record=record)
    gc.collect()
    assert record.status == ImportStatus.FAILED
    assert record.errors[0]["message"].startswith("unknown column")
    assert [hook.exc_value for hook in ignored] == []
