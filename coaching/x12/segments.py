"""The X12 envelope and the element formats shared by the 837P writer and the 835.

Delimiters are fixed (ASC X12 5010 allows any, the guides' examples use
these): segment `~`, element `*`, component `:`, repetition `^`. Everything
here is a pure function of its arguments, so the same batch gives the same
bytes every time it is downloaded.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

SEGMENT = "~"
ELEMENT = "*"
COMPONENT = ":"
REPETITION = "^"
DELIMITERS = frozenset(SEGMENT + ELEMENT + COMPONENT + REPETITION)


@dataclass(frozen=True)
class Envelope:
    """ISA/GS: who sends the interchange to whom, when, under which control numbers.

    The caller keeps the control numbers and `created` with the batch (a
    clearinghouse refuses a reused ISA13 in a new file, but expects the same
    one when the same file is sent again).
    """

    sender_id: str  # ISA06, as the clearinghouse assigned it
    receiver_id: str  # ISA08
    interchange_control_number: int  # ISA13 and IEA02, 1..999999999
    group_control_number: int  # GS06 and GE02
    created: dt.datetime  # ISA09/ISA10, GS04/GS05
    sender_qualifier: str = "ZZ"  # ISA05: mutually defined
    receiver_qualifier: str = "ZZ"
    production: bool = True  # ISA15 P, else T (test)
    application_sender_code: str = ""  # GS02, defaults to sender_id
    application_receiver_code: str = ""  # GS03, defaults to receiver_id

    def __post_init__(self):
        for name in ("sender_id", "receiver_id"):
            value = getattr(self, name)
            if not 1 <= len(value) <= 15:
                raise ValueError(f"The envelope's {name} must be 1 to 15 characters: {value!r}.")
            text(value, name)
        if not 1 <= self.interchange_control_number <= 999_999_999:
            raise ValueError("The interchange control number must be 1 to 999999999.")
        if not 1 <= self.group_control_number <= 999_999_999:
            raise ValueError("The group control number must be 1 to 999999999.")


def text(value: str, field: str) -> str:
    """`value` stripped, refused if it holds a delimiter or a control character.

    A stray `*` or `~` in a name would shift every element after it, so the
    writer refuses such a value rather than produce a file that reads wrong.
    """
    value = (value or "").strip()
    bad = sorted({char for char in value if char in DELIMITERS or ord(char) < 32})
    if bad:
        shown = " ".join(repr(char) for char in bad)
        raise ValueError(f"{field} contains {shown}, which X12 uses as a separator: {value!r}.")
    return value


def amount(value: Decimal) -> str:
    """An X12 R (decimal) value: no exponent, no trailing zeros (30.50 -> 30.5, 30.00 -> 30)."""
    value = Decimal(value)
    if value != value.quantize(Decimal("0.01")):
        raise ValueError(f"An amount has at most 2 decimals: {value}.")
    formatted = format(value.quantize(Decimal("0.01")), "f")
    return formatted.rstrip("0").rstrip(".") if "." in formatted else formatted


def quantity(value: Decimal) -> str:
    """Units as an R value: 4 -> "4", 1.5 -> "1.5"."""
    formatted = format(Decimal(value).normalize(), "f")
    return formatted.rstrip("0").rstrip(".") if "." in formatted else formatted


def date8(value: dt.date) -> str:
    """CCYYMMDD, the D8 date format."""
    return value.strftime("%Y%m%d")


def segment(*elements: str) -> str:
    """One segment with its trailing empty elements dropped (X12 forbids them)."""
    parts = list(elements)
    while parts and parts[-1] == "":
        parts.pop()
    return ELEMENT.join(parts) + SEGMENT


def interchange_header(envelope: Envelope, functional_id: str, version: str) -> list[str]:
    """ISA and GS for one functional group (GS01 HC = 837, HP = 835)."""
    created = envelope.created
    isa = ELEMENT.join(
        [
            "ISA",
            "00",
            " " * 10,  # no authorisation information
            "00",
            " " * 10,  # no security information
            envelope.sender_qualifier,
            envelope.sender_id.ljust(15),
            envelope.receiver_qualifier,
            envelope.receiver_id.ljust(15),
            created.strftime("%y%m%d"),
            created.strftime("%H%M"),
            REPETITION,
            "00501",
            f"{envelope.interchange_control_number:09d}",
            "0",  # no TA1 acknowledgment requested
            "P" if envelope.production else "T",
            COMPONENT,
        ]
    )
    gs = segment(
        "GS",
        functional_id,
        envelope.application_sender_code or envelope.sender_id,
        envelope.application_receiver_code or envelope.receiver_id,
        date8(created),
        created.strftime("%H%M"),
        str(envelope.group_control_number),
        "X",  # Accredited Standards Committee X12
        version,
    )
    return [isa + SEGMENT, gs]


def interchange_trailer(envelope: Envelope, transaction_count: int) -> list[str]:
    """GE and IEA: one functional group of `transaction_count` transaction sets."""
    return [
        segment("GE", str(transaction_count), str(envelope.group_control_number)),
        segment("IEA", "1", f"{envelope.interchange_control_number:09d}"),
    ]


def transaction_control(number: int) -> str:
    """ST02/SE02: at least 4 digits (the guides' minimum length)."""
    if not 1 <= number <= 999_999_999:
        raise ValueError(f"A transaction set control number must be 1 to 999999999: {number}.")
    return f"{number:04d}"


def split_segments(text_: str) -> list[list[str]]:
    """A delimited X12 text as a list of segments, each a list of elements.

    Reads the delimiters from the ISA segment itself (element separator at
    position 3, component at 104, segment terminator at 105) so a file from
    a payer using other delimiters reads too; line breaks between segments
    are ignored. Raises ValueError when the text does not start with an ISA.
    """
    body = text_.lstrip("\ufeff \r\n\t")
    if not body.startswith("ISA") or len(body) < 106:
        raise ValueError("it does not begin with an X12 ISA interchange header")
    element, terminator = body[3], body[105]
    segments = []
    for raw in body.split(terminator):
        raw = raw.strip("\r\n")
        if raw.strip():
            segments.append(raw.split(element))
    return segments


def component_separator(text_: str) -> str:
    """The component separator a file declares in ISA16."""
    return text_.lstrip("\ufeff \r\n\t")[104]
