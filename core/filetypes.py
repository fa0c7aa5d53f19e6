"""What a file is, read from its first bytes (and, for ZIP-based documents, its list of parts).

An extension is only a name: ``informe.pdf`` may hold an executable. A short table of signatures is
enough for the documents pcc accepts (PDF, PNG, JPEG, OOXML and ODF documents, plain text); nothing
is unpacked, the ZIP's directory is only listed.
"""

from __future__ import annotations

import codecs
import zipfile
from typing import BinaryIO

from django.utils.translation import gettext_lazy as _

HEAD_BYTES = 64 * 1024

PDF, PNG, JPEG, XLSX, DOCX, PPTX, ODF, ZIP, TEXT = (
    "pdf",
    "png",
    "jpeg",
    "xlsx",
    "docx",
    "pptx",
    "odf",
    "zip",
    "text",
)

DESCRIPTIONS = {
    PDF: _("a PDF document"),
    PNG: _("a PNG image"),
    JPEG: _("a JPEG image"),
    XLSX: _("an Excel workbook"),
    DOCX: _("a Word document"),
    PPTX: _("a PowerPoint presentation"),
    ODF: _("an OpenDocument file"),
    ZIP: _("a ZIP archive"),
    TEXT: _("plain text"),
    None: _("data of no known document type"),
}

# The content each extension must have.
EXTENSION_CONTENT = {
    "pdf": PDF,
    "png": PNG,
    "jpg": JPEG,
    "jpeg": JPEG,
    "xlsx": XLSX,
    "docx": DOCX,
    "pptx": PPTX,
    "odt": ODF,
    "ods": ODF,
    "odp": ODF,
    "csv": TEXT,
    "txt": TEXT,
}

# Control characters that plain text (CSV included) never holds; tab, line feed, form feed and
# carriage return are text.
_CONTROL = {chr(c) for c in range(32)} - {"\t", "\n", "\x0c", "\r"}


def sniff(stream: BinaryIO) -> str | None:
    """The kind of content of ``stream`` (one of the constants above), or None; the position is kept."""
    position = stream.tell()
    try:
        stream.seek(0)
        head = stream.read(HEAD_BYTES)
        if head.startswith(b"PK\x03\x04"):
            stream.seek(0)
            return _zip_kind(stream)
        return _kind_of_head(head)
    finally:
        stream.seek(position)


def _kind_of_head(head: bytes) -> str | None:
    # PDF readers accept the header anywhere in the first 1024 bytes.
    if b"%PDF-" in head[:1024]:
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    return TEXT if _is_text(head) else None


def _is_text(head: bytes) -> bool:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings = ["utf-16"]
    else:
        encodings = ["utf-8-sig", "cp1252"]
    whole = len(head) < HEAD_BYTES
    for encoding in encodings:
        try:
            # A head cut from a longer file may end inside a character: not final.
            text = codecs.getincrementaldecoder(encoding)().decode(head, final=whole)
        except UnicodeDecodeError:
            continue
        return not _CONTROL.intersection(text)
    return False


def _zip_kind(stream: BinaryIO) -> str | None:
    try:
        with zipfile.ZipFile(stream) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                return ODF
            if "[Content_Types].xml" in names:
                if "xl/workbook.xml" in names:
                    return XLSX
                if "word/document.xml" in names:
                    return DOCX
                if "ppt/presentation.xml" in names:
                    return PPTX
            return ZIP
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
