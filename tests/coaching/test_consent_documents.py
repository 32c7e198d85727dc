"""Issue 28, point 5 (coaching/services/consent_documents.py): a scan is
taken for what its bytes are, never for its name."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from coaching.services.consent_documents import scan_read


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"%PDF-1.4 x", "application/pdf"),
        (b"\x89PNG\r\n\x1a\nx", "image/png"),
        (b"\xff\xd8\xff\xe0x", "image/jpeg"),
    ],
)
def test_a_scan_is_known_by_its_bytes_whatever_its_name(data, kind):
    assert scan_read(SimpleUploadedFile("x.exe", data, "application/x-msdownload")) == (kind, data)


def test_an_exe_named_pdf_is_refused():
    with pytest.raises(ValidationError, match="PDF, JPEG or PNG"):
        scan_read(SimpleUploadedFile("x.pdf", b"MZ\x90\x00", "application/pdf"))
