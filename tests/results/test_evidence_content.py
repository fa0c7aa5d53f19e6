"""Evidence is checked by what it holds, not only by its name: an executable named ``acta.pdf`` is refused."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from core.spreadsheets.columns import Column
from core.spreadsheets.writers import write_xlsx
from results.models import ProgressReport, validate_evidence

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 20
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 20
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 40


def xlsx() -> bytes:
    stream = io.BytesIO()
    write_xlsx(stream, sheet="Lista", columns=[Column("importador")], rows=[{"importador": "Hamburgo"}])
    return stream.getvalue()


def zipped(parts: dict[str, bytes]) -> bytes:
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return stream.getvalue()


DOCX = zipped({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})


def refusal(name: str, content: bytes) -> str | None:
    try:
        validate_evidence(SimpleUploadedFile(name, content))
    except ValidationError as error:
        return " ".join(error.messages)
    return None


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("acta.pdf", PDF),
        ("foto.png", PNG),
        ("foto.JPG", JPEG),
        ("foto.jpeg", JPEG),
        ("lista.xlsx", None),  # written by pcc's own writer, as a real workbook
        ("informe.docx", DOCX),
        ("lista.csv", b"fecha;importador\n2008-09-12;Hamburgo\n"),
        ("lista.csv", "fecha;importador\n2008-09-12;Lübeck – Düsseldorf\n".encode("cp1252")),
        ("lista.csv", "\ufefffecha;importador\n".encode("utf-16")),
    ],
)
def test_a_document_that_is_what_its_name_says_is_taken(name, content):
    assert refusal(name, xlsx() if content is None else content) is None


@pytest.mark.parametrize(
    ("name", "content", "found"),
    [
        ("acta.pdf", EXE, "data of no known document type"),
        ("acta.pdf", b"fecha;importador\n", "plain text"),
        ("foto.jpg", PNG, "a PNG image"),
        ("foto.png", PDF, "a PDF document"),
        ("lista.xlsx", DOCX, "a Word document"),
        ("informe.docx", zipped({"payload.exe": EXE}), "a ZIP archive"),
        ("informe.docx", b"PK\x03\x04 not really a zip", "data of no known document type"),
        ("lista.csv", EXE, "data of no known document type"),
        ("lista.csv", b"fecha;importador\n\x00\x01\x02", "data of no known document type"),
    ],
)
def test_a_file_whose_content_is_not_what_its_name_says_is_refused(name, content, found):
    with translation.override("en"):
        message = refusal(name, content)
    assert message == f"{name} is named .{name.rsplit('.', 1)[1].lower()} but holds {found}."


def test_the_refusal_is_in_spanish_too():
    with translation.override("es"):
        message = refusal("acta.pdf", EXE)
    assert (
        message
        == "acta.pdf tiene la extensión .pdf pero contiene datos de ningún tipo de documento conocido."
    )


def test_the_form_refuses_a_renamed_executable_and_stores_nothing(
    login, partner_a_user, prosur_activity, september
):
    response = login(partner_a_user).post(
        reverse("results:activity_progress_create", args=[prosur_activity.pk]),
        {
            "period": september.pk,
            "reported_on": "2008-09-30",
            "achieved_value": "1",
            "evidence": SimpleUploadedFile("acta.pdf", EXE),
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert (
        "acta.pdf tiene la extensión .pdf pero contiene datos de ningún tipo de documento conocido." in page
    )
    assert not ProgressReport.objects.exists()


def test_editing_a_report_does_not_check_its_stored_file_again(draft_report, partner_a_user):
    """A file already stored was checked when it came (or before content was checked at all: this one
    would be refused now); an edit without a new file keeps it."""
    from django.core.files.base import ContentFile

    from results import services

    draft_report.evidence.save("acta.pdf", ContentFile(b"stored before the content was checked"))
    report = services.progress_update(
        report=draft_report,
        user=partner_a_user,
        reported_on=draft_report.reported_on,
        achieved_value=draft_report.achieved_value,
        narrative="Dos contactos.",
        version=draft_report.version,
    )
    assert report.narrative == "Dos contactos." and report.evidence.name.endswith(".pdf")
