"""A client's whole record as a PDF (HIPAA 45 CFR 164.524(c)(2): a copy in
the form the individual asks for when it is readily producible).

The PDF is written from the same plain values as the JSON file and the
printable page (coaching.selectors.record.client_record), walking them as
they are: every section, every row, every field, so nothing in the record
is left out of the PDF and nothing is added. Labels come from the keys
("signed_at" -> "Signed at"). The text is set in DejaVu Sans, vendored in
coaching/fonts (its licence beside it), which covers the letters people's
names and words use; nothing is fetched."""

from datetime import date, datetime
from pathlib import Path

from django.utils import dateformat, timezone
from fpdf import FPDF

FONTS = Path(__file__).resolve().parent / "fonts"

TITLES = {
    "sessions": "Sessions",
    "plan": "Your recovery plan",
    "checkins": "Check-ins",
    "consents": "Consents",
    "disclosures": "What was shared outside this organisation",
    "requests_to_a_supervisor": "Your words to a supervisor",
    "requests_about_your_record": "Your requests for a copy or a change",
    "who_viewed_your_record": "Who viewed your record",
}


def _label(key: str) -> str:
    return key.replace("_", " ").capitalize()


def _value(value) -> str:
    if value is None or value == "":
        return "—"
    if value is True:
        return "Yes"
    if value is False:
        return "No"
    if isinstance(value, datetime):
        return dateformat.format(timezone.localtime(value), "j F Y, H:i")
    if isinstance(value, date):
        return dateformat.format(value, "j F Y")
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
        self.cell(0, 6, f"Page {self.page_no()}", align="C")

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
                self.line_of("None", "—", indent)
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
    document = _Document(f"The record of {name}")
    document.heading(f"The record of {name}", 16)
    document.set_font("DejaVu", "", 9)
    document.multi_cell(
        0,
        4.6,
        f"Made on {_value(record['made_at'])}. Everything this organisation keeps about you "
        "in this app: the same as the printable page and the JSON file.",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    document.ln(2)
    for key, title in TITLES.items():
        document.heading(title, 12)
        document.walk(record[key], 0)
        document.ln(2)
    return bytes(document.output())
