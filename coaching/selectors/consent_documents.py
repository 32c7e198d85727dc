"""Reading a consent's scans (ConsentDocument): scoped as the consent itself
(accounts.policy.consent_scope), 404 otherwise, and every read audited."""

import base64

from django.db.models import QuerySet, prefetch_related_objects
from django.shortcuts import get_object_or_404

from accounts.audit import audit_record
from accounts.models import User
from accounts.policy import consent_scope
from coaching.models import ConsentDocument

# The extension a scan's download gets, by its type (checked by content).
EXTENSIONS = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}


def consent_documents_visible_to(user: User) -> QuerySet[ConsentDocument]:
    """The scans of the consents `user` sees; the bytes are left unloaded."""
    return (
        ConsentDocument.objects.filter(consent_scope(user, "consent__client"))
        .select_related("uploaded_by")
        .defer("content")
    )


def with_documents(user: User, consents: list) -> list:
    """Give each consent its scans `user` may see (`scans`, oldest first)
    and, for one signed on paper, who recorded it: two queries whatever
    their number."""
    prefetch_related_objects(consents, "recorded_by")
    by_consent: dict[int, list[ConsentDocument]] = {consent.pk: [] for consent in consents}
    for document in consent_documents_visible_to(user).filter(consent__in=list(by_consent)):
        by_consent[document.consent_id].append(document)
    for consent in consents:
        consent.scans = by_consent[consent.pk]
    return consents


def consent_document_for_viewing(user: User, pk: int) -> dict:
    """One scan, its bytes decoded, with its file name: 404 for one `user`
    may not see, as for one that does not exist. Audited as
    "consent_document.view" (here, and nowhere else)."""
    document = get_object_or_404(
        ConsentDocument.objects.filter(consent_scope(user, "consent__client")).select_related(
            "consent__client"
        ),
        pk=pk,
    )
    audit_record(
        actor=user, action="consent_document.view", obj=document, client=document.consent.client
    )
    extension = EXTENSIONS[document.content_type]
    return {
        "document": document,
        "data": base64.b64decode(document.content),
        "filename": f"consent-{document.consent_id}-{document.kind}-{document.pk}.{extension}",
    }
