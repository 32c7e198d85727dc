"""Who a funding programme's claims go to: the programme (sessions_log's
list) and the payer, an organisation on the consents' list of recipients.

Here, in the top layer, because a recipient is coaching's (consents) and a
programme the sessions app's. A claim file for a programme is addressed to
this row's recipient, and only a client's consent naming that very row
covers it (coaching/models/consents.py)."""

from django.db import models

from coaching.models.consents import Recipient
from sessions_log.models import FundingProgramme


class ProgrammePayer(models.Model):
    programme = models.OneToOneField(
        FundingProgramme, on_delete=models.PROTECT, related_name="payer"
    )
    recipient = models.ForeignKey(
        Recipient,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": "organisation", "client__isnull": True},
    )
    # How the 837P names the payer (2010BB NM109, the payer id its
    # clearinghouse lists) and the kind of plan (SBR09: MC Medicaid, CI
    # commercial, ...), and the receiver of the file (1000B; blank: the payer).
    payer_id = models.CharField(max_length=80, blank=True, default="", db_default="")
    filing_code = models.CharField(max_length=2, default="MC", db_default="MC")
    receiver_name = models.CharField(max_length=60, blank=True, default="", db_default="")
    receiver_id = models.CharField(max_length=80, blank=True, default="", db_default="")

    class Meta:
        ordering = ["programme"]

    def __str__(self) -> str:
        return f"{self.programme} → {self.recipient}"
