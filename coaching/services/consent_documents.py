"""Scans attached to a consent (`ConsentDocument`): the paper a consent was
signed on (coaching/services/paper_consents.py) and a revocation made in
writing (coaching/services/revocations.py).

A scan is taken for what its bytes are, never for its name or the type the
browser claimed: a PDF starts "%PDF-", a PNG with its 8-byte signature, a
JPEG with FF D8 FF. Anything else, an empty file or one over 10 MB is
refused with a message, and nothing is kept. The bytes are kept encrypted
(base64 inside the ciphertext); reading them is
coaching.selectors.consent_documents.consent_document_for_viewing (audited).
"""

import base64
import hashlib

from django.core.exceptions import ValidationError

from accounts.audit import audit_record
from accounts.models import User
from coaching.models import Consent, ConsentDocument

MAX_SCAN_BYTES = 10 * 1024 * 1024

# What a file's first bytes say it is.
SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)

TOO_BIG = "The scan is larger than 10 MB: scan it at a lower resolution, or as a PDF."
EMPTY = "The scan is empty: choose the file again."
NOT_A_SCAN = "The scan must be a PDF, JPEG or PNG file (this file is none of them)."


def scan_type(data: bytes) -> str | None:
    """The content type the bytes are, by their signature; None for none."""
    for signature, content_type in SIGNATURES:
        if data.startswith(signature):
            return content_type
    return None


def scan_read(upload) -> tuple[str, bytes]:
    """An uploaded file's content type (by its bytes) and the bytes, or
    ValidationError with the reason. Reads at most 10 MB + 1 byte."""
    data = upload.read(MAX_SCAN_BYTES + 1)
    if len(data) > MAX_SCAN_BYTES:
        raise ValidationError(TOO_BIG)
    if not data:
        raise ValidationError(EMPTY)
    content_type = scan_type(data)
    if content_type is None:
        raise ValidationError(NOT_A_SCAN)
    return content_type, data


def consent_document_keep(
    *, actor: User, consent: Consent, kind: str, content_type: str, data: bytes
) -> ConsentDocument:
    """Keep a scan checked by `scan_read` with its consent, encrypted, and
    audit it. Call it inside the transaction that records what it proves."""
    document = ConsentDocument.objects.create(
        consent=consent,
        kind=kind,
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        content=base64.b64encode(data).decode("ascii"),
        uploaded_by=actor,
    )
    audit_record(actor=actor, action="consent_document.add", obj=document, client=consent.client)
    return document
