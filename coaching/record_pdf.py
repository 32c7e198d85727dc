"""A client's whole record as a PDF (HIPAA 45 CFR 164.524(c)(2): a copy in
the form the individual asks for when it is readily producible).

The PDF is written from the same plain values as the JSON file and the
printable page (coaching.selectors.record.client_record), walking them as
they are: every section, every row, every field, so nothing in the record
is left out of the PDF and nothing is added. Labels come from the keys
("signed_at" -> "Signed at"), in the reader's language (LABELS); the JSON
file keeps the keys themselves, in English, for programs that read it.
The text is set in DejaVu Sans, vendored in coaching/fonts (its licence
beside it), which covers the letters people's names and words use; nothing
is fetched."""

from datetime import date, datetime
from pathlib import Path

from django.utils import dateformat, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from fpdf import FPDF

FONTS = Path(__file__).resolve().parent / "fonts"

TITLES = {
    "sessions": gettext_lazy("Sessions"),
    "plan": gettext_lazy("Your recovery plan"),
    "checkins": gettext_lazy("Check-ins"),
    "consents": gettext_lazy("Consents"),
    "disclosures": gettext_lazy("What was shared outside this organisation"),
    "requests_to_a_supervisor": gettext_lazy("Your words to a supervisor"),
    "requests_about_your_record": gettext_lazy("Your requests for a copy or a change"),
    "who_viewed_your_record": gettext_lazy("Who viewed your record"),
}

# Every key of client_record's values, as the PDF labels it. A key not
# here (one added to the record later) reads as itself, "signed_at" ->
# "Signed at": never left out, only untranslated until it is added.
LABELS = {
    "about_session_of": gettext_lazy("About the session of"),
    "actual_start": gettext_lazy("Actual start"),
    "addenda": gettext_lazy("Additions"),
    "agreed_at": gettext_lazy("Agreed at"),
    "agreed_versions": gettext_lazy("Agreed versions"),
    "amendment": gettext_lazy("Amendment"),
    "answer": gettext_lazy("Answer"),
    "answers": gettext_lazy("Answers"),
    "area": gettext_lazy("Part of life"),
    "asked": gettext_lazy("Asked"),
    "at": gettext_lazy("At"),
    "by": gettext_lazy("By"),
    "coach": gettext_lazy("Coach"),
    "coach_signed_by": gettext_lazy("Coach signed by"),
    "comment": gettext_lazy("Comment"),
    "corrected_minutes": gettext_lazy("Corrected minutes"),
    "corrected_start": gettext_lazy("Corrected start"),
    "credential": gettext_lazy("Credential"),
    "dates_of_service_from": gettext_lazy("Dates of service from"),
    "dates_of_service_to": gettext_lazy("Dates of service to"),
    "decided_on": gettext_lazy("Decided on"),
    "decision": gettext_lazy("Decision"),
    "denial_reason": gettext_lazy("Denial reason"),
    "due_on": gettext_lazy("Due on"),
    "ends_at": gettext_lazy("Ends at"),
    "ends_on": gettext_lazy("Ends on"),
    "ends_on_event": gettext_lazy("Ends on event"),
    "for": gettext_lazy("For"),
    "goal": gettext_lazy("Goal"),
    "goals": gettext_lazy("Goals"),
    "group_session": gettext_lazy("Group session"),
    "how_it_went": gettext_lazy("How it went"),
    "information": gettext_lazy("Information"),
    "information_from": gettext_lazy("Information from"),
    "information_to": gettext_lazy("Information to"),
    "kind": gettext_lazy("Kind"),
    "minutes_spent": gettext_lazy("Minutes spent"),
    "modality": gettext_lazy("Modality"),
    "next_steps": gettext_lazy("Next steps"),
    "note": gettext_lazy("Note"),
    "now": gettext_lazy("Now"),
    "number": gettext_lazy("Number"),
    "over_cap_reason": gettext_lazy("Over cap reason"),
    "prepared_at": gettext_lazy("Prepared at"),
    "purpose": gettext_lazy("Purpose"),
    "received_on": gettext_lazy("Received on"),
    "recipient": gettext_lazy("Recipient"),
    "recipient_address": gettext_lazy("Recipient address"),
    "revoked_at": gettext_lazy("Revoked at"),
    "score": gettext_lazy("Score"),
    "sent_by": gettext_lazy("Sent by"),
    "services": gettext_lazy("Services"),
    "signed_at": gettext_lazy("Signed at"),
    "signed_by": gettext_lazy("Signed by"),
    "signed_how": gettext_lazy("Signed how"),
    "signed_text": gettext_lazy("Signed text"),
    "signed_text_version": gettext_lazy("Signed text version"),
    "starts_at": gettext_lazy("Starts at"),
    "state": gettext_lazy("State"),
    "statement": gettext_lazy("Statement"),
    "status": gettext_lazy("Status"),
    "step": gettext_lazy("Step"),
    "steps": gettext_lazy("Steps"),
    "target_date": gettext_lazy("Target date"),
    "text": gettext_lazy("Text"),
    "under": gettext_lazy("Under"),
    "what": gettext_lazy("What"),
    "what_happened": gettext_lazy("What happened"),
    "who": gettext_lazy("Who"),
    "why": gettext_lazy("Why"),
    "you_confirmed_at": gettext_lazy("You confirmed at"),
    "your_statement_of_disagreement": gettext_lazy("Your statement of disagreement"),
    "your_words": gettext_lazy("Your words"),
}


def _label(key: str) -> str:
    if key in LABELS:
        return str(LABELS[key])
    return key.replace("_", " ").capitalize()


def _value(value) -> str:
    if value is None or value == "":
        return "—"
    if value is True:
        return _("Yes")
    if value is False:
        return _("No")
    if isinstance(value, datetime):
        # The format is the language's too: "7 de diciembre de 2026" in Spanish.
        return dateformat.format(
            timezone.localtime(value), pgettext("long date and time", "j F Y, H:i")
        )
    if isinstance(value, date):
        return dateformat.format(value, pgettext("long date", "j F Y"))
    return str(value)


class _Document(FPDF):
    def __init__(self, title: str):
        super().__init__(format="A4")
        self.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
        self.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        self.set_title(title)
        self.set_creator("Peer recovery coaching")
        self.set_auto_page_break(auto=True, margin=15)
        self.set_margins(15, 15, 15)
        self.add_page()

    def footer(self):
        self.set_y(-12)
        self.set_font("DejaVu", "", 8)
        self.cell(0, 6, _("Page {number}").format(number=self.page_no()), align="C")

    def heading(self, text: str, size: int) -> None:
        self.set_font("DejaVu", "B", size)
        self.multi_cell(0, size * 0.55, text, new_x="LMARGIN", new_y="NEXT")
        self.ln(1)

    def line_of(self, label: str, value: str, indent: int) -> None:
        self.set_x(self.l_margin + indent * 5)
        self.set_font("DejaVu", "B", 9)
        width = self.w - self.r_margin - self.get_x()
        self.multi_cell(width, 4.6, f"{label}:", new_x="LMARGIN", new_y="NEXT")
        self.set_x(self.l_margin + indent * 5 + 3)
        self.set_font("DejaVu", "", 9)
        width = self.w - self.r_margin - self.get_x()
        self.multi_cell(width, 4.6, value, new_x="LMARGIN", new_y="NEXT")

    def walk(self, value, indent: int) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if isinstance(item, dict | list):
                    self.set_x(self.l_margin + indent * 5)
                    self.set_font("DejaVu", "B", 9)
                    self.multi_cell(0, 4.6, f"{_label(key)}:", new_x="LMARGIN", new_y="NEXT")
                    self.walk(item, indent + 1)
                else:
                    self.line_of(_label(key), _value(item), indent)
        elif isinstance(value, list):
            if not value:
                self.line_of(_("None"), "—", indent)
            for position, item in enumerate(value, start=1):
                if isinstance(item, dict | list):
                    self.set_x(self.l_margin + indent * 5)
                    self.set_font("DejaVu", "B", 9)
                    self.multi_cell(0, 5, f"{position}.", new_x="LMARGIN", new_y="NEXT")
                    self.walk(item, indent + 1)
                else:
                    self.line_of(str(position), _value(item), indent)
        else:
            self.line_of("", _value(value), indent)


def record_pdf(record: dict) -> bytes:
    """The record (client_record's values) as PDF bytes."""
    name = record["client"]["name"]
    title = _("The record of {name}").format(name=name)
    document = _Document(title)
    document.heading(title, 16)
    document.set_font("DejaVu", "", 9)
    document.multi_cell(
        0,
        4.6,
        _(
            "Made on {date}. Everything this organisation keeps about you in this app: "
            "the same as the printable page and the JSON file."
        ).format(date=_value(record["made_at"])),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    document.ln(2)
    for key, title in TITLES.items():
        document.heading(str(title), 12)
        document.walk(record[key], 0)
        document.ln(2)
    return bytes(document.output())
