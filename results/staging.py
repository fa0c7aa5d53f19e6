"""Evidence held between a refused save and the next one, so that the partner need not pick the file again.

A browser never fills a file input it shows again: when a progress form with a valid upload fails (any
error), the file is written to ``results/staging/<token>/`` and the token kept in the user's session.
The re-rendered form names the file and offers to keep or remove it; a token that is not in the
session is not honoured, so nobody can attach a file someone else staged. A successful save hands the
file to the report and deletes the staged copy; copies nobody came back for are deleted after
``STAGING_MAX_AGE``.
"""

from __future__ import annotations

import datetime
import secrets
from dataclasses import dataclass
from pathlib import PurePath

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone

SESSION_KEY = "results_staged_evidence"
STAGING_FOLDER = "results/staging"
STAGING_MAX_AGE = datetime.timedelta(days=1)


@dataclass(frozen=True)
class StagedEvidence:
    token: str
    name: str  # as the user named it, shown on the form and given to the report's file
    path: str  # in the default storage

    def content(self) -> ContentFile:
        """The staged file as a new upload (evidence is 5 MB at most: read at once)."""
        with default_storage.open(self.path, "rb") as staged:
            return ContentFile(staged.read(), name=self.name)


class EvidenceStaging:
    """The files staged in one user's session."""

    def __init__(self, session) -> None:
        self.session = session

    def _entries(self) -> dict[str, dict[str, str]]:
        return self.session.get(SESSION_KEY, {})

    def stage(self, upload: UploadedFile) -> StagedEvidence:
        staged_evidence_purge()
        token = secrets.token_urlsafe(16)
        name = PurePath(upload.name).name
        path = default_storage.save(f"{STAGING_FOLDER}/{token}/{name}", upload)
        self.session[SESSION_KEY] = {**self._entries(), token: {"name": name, "path": path}}
        return StagedEvidence(token=token, name=name, path=path)

    def get(self, token: str) -> StagedEvidence | None:
        entry = self._entries().get(token)
        if entry is None or not default_storage.exists(entry["path"]):
            return None
        return StagedEvidence(token=token, name=entry["name"], path=entry["path"])

    def discard(self, token: str) -> None:
        entries = dict(self._entries())
        entry = entries.pop(token, None)
        if entry is None:
            return
        default_storage.delete(entry["path"])
        default_storage.delete(
            f"{STAGING_FOLDER}/{token}"
        )  # the emptied folder, where the storage has folders
        self.session[SESSION_KEY] = entries


def staged_evidence_purge(*, max_age: datetime.timedelta = STAGING_MAX_AGE) -> int:
    """Delete staged files older than ``max_age`` (forms left after a refused save); returns how many."""
    try:
        folders, _files = default_storage.listdir(STAGING_FOLDER)
    except FileNotFoundError:
        return 0
    cutoff = timezone.now() - max_age
    deleted = 0
    for folder in folders:
        _subfolders, names = default_storage.listdir(f"{STAGING_FOLDER}/{folder}")
        stale = [
            n for n in names if default_storage.get_modified_time(f"{STAGING_FOLDER}/{folder}/{n}") < cutoff
        ]
        for name in stale:
            default_storage.delete(f"{STAGING_FOLDER}/{folder}/{name}")
            deleted += 1
        if len(stale) == len(names):
            default_storage.delete(f"{STAGING_FOLDER}/{folder}")
    return deleted
