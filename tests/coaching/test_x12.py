"""The X12 library: identifiers, the 837P writer, the 835 reader and writer, against pyx12.

Every 837P and 835 made here goes through pyx12 (its 837.5010.X222.A1 and
835.5010.X221.A1 maps, the HIPAA implementation guides in machine form) and
must come back with no error; the 837P is then split back into segments by a
splitter written here, independent of the library's, and compared per line.
No database: these are pure functions.
"""

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coaching.x12.claims import (
    Address,
    BillingProvider,
    Claim,
    ClaimTransaction,
    Interchange,
    Payer,
    Receiver,
    RenderingProvider,
    ServiceLine,
    Submitter,
    Subscriber,
    write_837p,
)
from coaching.x12.identifiers import (
    icd10_error,
    icd10_x12,
    npi_error,
    tax_id_error,
    tax_id_x12,
)
from coaching.x12.payer import remittance_for
from coaching.x12.remittance import RemittanceError, read_835, write_835
from coaching.x12.segments import Envelope
from coaching.x12.validate import validate

ORG = BillingProvider(
    "Harbor Peer Recovery",
    Address("100 Harbor Way", "Springfield", "IL", "627011234"),
    "1234567893",
    "12-3456789",
    "175T00000X",
)
SECOND_ORG = BillingProvider(
    "Lakeside Recovery Co-op",
    Address("5 Shore Rd", "Peoria", "IL", "616021000"),
    "1245319599",
    "98-7654321",
    "175T00000X",
)
MEDICAID = Payer("Illinois Medicaid", "ILMCD")
PLAN = Payer("Prairie Health Plan", "PHP01", "HM")
COACH = RenderingProvider("Rivera", "Sam", "1003000126", "175T00000X")
JANE = Subscriber(
    "MCD0001",
    "Doe",
    "Jane",
    dt.date(1980, 5, 17),
    "F",
    Address("9 Elm St", "Springfield", "IL", "62702"),
)
JOHN = Subscriber("PHP7788", "Roe", "John", dt.date(1975, 1, 2), "M")
SUBMITTER = Submitter("Harbor Peer Recovery", "HPR01", "Billing Office", "2175550100")
MEDICAID_DESK = Receiver("Illinois Medicaid", "ILMCD")
DAY = dt.date(2026, 11, 2)
CREATED = dt.datetime(2026, 12, 1, 9, 30, tzinfo=dt.UTC)


def line(n, *, modifiers=(), units=4, charge="60", day=DAY, place="", pointers=(1,)):
    return ServiceLine(
        "H0038",
        Decimal(charge),
        Decimal(units),
        day,
        f"L{n}",
        tuple(modifiers),
        tuple(pointers),
        place,
    )


def claim(claim_id, lines, *, member=JANE, payer=MEDICAID, provider=ORG, place="11", **kw):
    kw.setdefault("diagnoses", ("F11.20", "Z13.89"))
    kw.setdefault("rendering_provider", COACH)
    return Claim(
        claim_id,
        provider,
        member,
        payer,
        place,
        lines=tuple(lines),
        total_charge=sum((ln.charge for ln in lines), Decimal(0)),
        **kw,
    )


def interchange(*transactions, control=1):
    envelope = Envelope(
        "HPR01", "ILMCD", control, control, dt.datetime(2026, 12, 1, 9, 30, tzinfo=dt.UTC)
    )
    return Interchange(envelope, tuple(transactions))


def transaction(claims, number=1, receiver=MEDICAID_DESK):
    return ClaimTransaction(number, f"BATCH{number}", SUBMITTER, receiver, tuple(claims))


def segments(text):
    """An X12 text with ~ * : as delimiters, split here, not by the library."""
    return [raw.strip().split("*") for raw in text.split("~") if raw.strip()]


def lines_back(text):
    """Per service line of an 837P: the member, date, code, modifiers, POS, units, charge."""
    found, member, place = [], None, None
    for seg in segments(text):
        if seg[0] == "NM1" and seg[1] == "IL":
            member = seg[9]
        elif seg[0] == "CLM":
            place = seg[5].split(":")[0]
        elif seg[0] == "SV1":
            procedure = seg[1].split(":")
            found.append(
                {
                    "member": member,
                    "code": procedure[1],
                    "modifiers": tuple(procedure[2:]),
                    "charge": Decimal(seg[2]),
                    "units": Decimal(seg[4]),
                    "pos": seg[5] if len(seg) > 5 and seg[5] else place,
                }
            )
        elif seg[0] == "DTP" and seg[1] == "472":
            found[-1]["date"] = dt.datetime.strptime(seg[3], "%Y%m%d").date()  # noqa: DTZ007
        elif seg[0] == "REF" and seg[1] == "6R":
            found[-1]["control"] = seg[2]
    return found


def lines_in(ix):
    return [
        {
            "member": c.subscriber.member_id,
            "code": ln.code,
            "modifiers": ln.modifiers,
            "charge": ln.charge,
            "units": ln.units,
            "pos": ln.place_of_service or c.place_of_service,
            "date": ln.service_date,
            "control": ln.control_number,
        }
        for t in ix.transactions
        for c in t.claims
        for ln in c.lines
    ]


def assert_valid_and_round_trips(ix):
    text = write_837p(ix)
    assert validate(text) == []
    assert sorted(lines_back(text), key=lambda d: d["control"]) == sorted(
        lines_in(ix), key=lambda d: d["control"]
    )
    return text


# ------------------------------------------------------------------ identifiers


def cms_check_digit(first_nine):
    """CMS's worked method: double alternate digits from the right, add 24 for 80840."""
    total = 24
    for position, char in enumerate(reversed(first_nine)):
        value = int(char) * (2 if position % 2 == 0 else 1)
        total += value // 10 + value % 10
    return (10 - total % 10) % 10


@pytest.mark.parametrize("npi", ["1234567893", "1245319599", "1003000126", "1497758544"])
def test_npis_with_a_right_check_digit_pass(npi):
    """CMS, NPI check digit (Luhn over 80840 + 9 digits): 1234567893 is CMS's own example."""
    assert npi_error(npi) is None
    assert cms_check_digit(npi[:9]) == int(npi[9])


@pytest.mark.parametrize(
    ("npi", "says"),
    [
        ("1234567890", "check digit"),
        ("1234567894", "check digit"),
        ("123456789", "10 digits"),
        ("12345678a3", "10 digits"),
        ("3234567893", "starts with 1 or 2"),
        ("", "missing"),
    ],
)
def test_malformed_npis_are_refused_with_the_reason(npi, says):
    """45 CFR 162.406: a 10-position all-numeric identifier with a check digit in the 10th."""
    assert says in npi_error(npi)


@given(st.from_regex(r"\A[12][0-9]{8}\Z"), st.integers(0, 9), st.integers(1, 9))
def test_exactly_one_check_digit_fits_and_any_one_digit_typo_is_caught(nine, position, bump):
    """Luhn catches every single-digit error: change any digit of a valid NPI and it fails."""
    npi = nine + str(cms_check_digit(nine))
    assert npi_error(npi) is None
    typo = npi[:position] + str((int(npi[position]) + bump) % 10) + npi[position + 1 :]
    assert npi_error(typo) is not None


@pytest.mark.parametrize("code", ["F11.20", "F1120", "Z13.89", "F32.A", "T40.1X1A", "U07.1", "F10"])
def test_icd10_cm_shapes_pass(code):
    """ICD-10-CM (45 CFR 162.1002): letter, digit, letter or digit, then up to 4 after the dot."""
    assert icd10_error(code) is None


@pytest.mark.parametrize("code", ["11.20", "F1", "F11.", "F11.20000", "FF1.2", "F11-20", ""])
def test_codes_not_shaped_like_icd10_cm_are_refused(code):
    assert icd10_error(code) is not None


def test_x12_carries_the_diagnosis_without_its_dot():
    """837P guide, 2300 HI01-2: the code without the decimal point."""
    assert icd10_x12("f11.20") == "F1120"
    with pytest.raises(ValueError, match="ICD-10-CM"):
        icd10_x12("11.20")


@pytest.mark.parametrize("tax_id", ["12-3456789", "123456789"])
def test_an_ein_is_nine_digits(tax_id):
    """837P guide, 2010AA REF*EI: the billing provider's EIN, 9 digits without a hyphen."""
    assert tax_id_error(tax_id) is None
    assert tax_id_x12(tax_id) == "123456789"


@pytest.mark.parametrize("tax_id", ["12345678", "1234567890", "12-345678a", "000000000", ""])
def test_a_tax_id_of_another_shape_is_refused(tax_id):
    assert tax_id_error(tax_id) is not None


# ------------------------------------------------------------------ 837P


def test_one_claim_is_a_valid_837p_with_the_guides_loops():
    """005010X222A1 loops: 1000A/1000B, 2000A/2010AA, 2000B/2010BA/2010BB, 2300, 2310B, 2400."""
    text = assert_valid_and_round_trips(interchange(transaction([claim("C1", [line(1)])])))
    tags = [(s[0], s[1]) for s in segments(text)]
    assert tags[:4] == [("ISA", "00"), ("GS", "HC"), ("ST", "837"), ("BHT", "0019")]
    assert ("NM1", "41") in tags and ("NM1", "40") in tags  # 1000A submitter, 1000B receiver
    assert ("NM1", "85") in tags and ("REF", "EI") in tags  # 2010AA billing provider, its EIN
    assert ("NM1", "IL") in tags and ("DMG", "D8") in tags and ("NM1", "PR") in tags
    assert ("NM1", "82") in tags and ("PRV", "PE") in tags  # 2310B rendering provider
    assert ("HI", "ABK:F1120") in tags  # principal diagnosis, no dot
    assert [s for s in segments(text) if s[0] == "SV1"] == [
        ["SV1", "HC:H0038", "60", "UN", "4", "", "", "1"]
    ]  # SV107 pointer to HI01
    assert tags[-3:] == [("SE", "27"), ("GE", "1"), ("IEA", "1")]
    assert text.splitlines()[0][105] == "~" and text.splitlines()[0][82:84] == "^*"


def test_many_lines_up_to_the_guides_fifty_per_claim():
    """837P guide: the 2400 loop repeats up to 50 times in one claim."""
    lines = [
        line(n, day=DAY + dt.timedelta(days=n % 28), units=1 + n % 8, charge=str(15 * (1 + n % 8)))
        for n in range(50)
    ]
    assert_valid_and_round_trips(interchange(transaction([claim("C50", lines)])))
    with pytest.raises(ValueError, match="1 to 50 service lines"):
        claim("C51", [*lines, line(51)])


def test_a_group_session_line_carries_hq():
    """HCPCS H0038 with HQ (group setting), one line per attending member, each its own claim."""
    ix = interchange(
        transaction(
            [
                claim("G1", [line(1, modifiers=("HQ",), units=3, charge="30")]),
                claim(
                    "G2",
                    [line(2, modifiers=("HQ",), units=3, charge="30")],
                    member=JOHN,
                    payer=PLAN,
                ),
            ]
        )
    )
    text = assert_valid_and_round_trips(ix)
    assert {s[1] for s in segments(text) if s[0] == "SV1"} == {"HC:H0038:HQ"}


@pytest.mark.parametrize(
    ("modifiers", "place"),
    [(("95",), "10"), (("93",), "10"), (("95",), "02"), (("GT",), "02"), (("HQ", "95"), "10")],
)
def test_telehealth_modifiers_and_places(modifiers, place):
    """CMS telehealth: 95 audio-video, 93 audio-only, GT where asked; POS 02 / 10 (SV101-3..6)."""
    assert_valid_and_round_trips(
        interchange(transaction([claim("T1", [line(1, modifiers=modifiers)], place=place)]))
    )


def test_every_place_of_service_the_programmes_use():
    """CMS POS codes 02 10 11 12 99; SV105 only where a line's place differs from CLM05-1."""
    places = ["02", "10", "11", "12", "99"]
    lines = [line(n, place=pos, day=DAY + dt.timedelta(days=n)) for n, pos in enumerate(places)]
    text = assert_valid_and_round_trips(interchange(transaction([claim("P1", lines)])))
    sv105 = [s[5] if len(s) > 5 else "" for s in segments(text) if s[0] == "SV1"]
    assert sv105 == ["02", "10", "", "12", "99"]  # the claim's own place, 11, is not repeated


def test_prior_authorisation_goes_in_ref_g1():
    """837P guide, 2300 REF*G1 Prior Authorization, where the payer requires one."""
    text = assert_valid_and_round_trips(
        interchange(transaction([claim("A1", [line(1)], prior_authorization="PA-2026-0042")]))
    )
    assert ["REF", "G1", "PA-2026-0042"] in segments(text)


@pytest.mark.parametrize("frequency", ["7", "8"])
def test_replacement_and_void_cite_the_payers_claim_number(frequency):
    """837P guide: CLM05-3 claim frequency 7 replacement / 8 void, with 2300 REF*F8."""
    text = assert_valid_and_round_trips(
        interchange(
            transaction(
                [
                    claim(
                        "R1",
                        [line(1)],
                        frequency=frequency,
                        original_claim_reference="PAYER-998877",
                    )
                ]
            )
        )
    )
    assert ["REF", "F8", "PAYER-998877"] in segments(text)
    assert next(s for s in segments(text) if s[0] == "CLM")[5] == f"11:B:{frequency}"
    with pytest.raises(ValueError, match="REF\\*F8"):
        claim("R2", [line(1)], frequency=frequency)


def test_two_programmes_in_one_interchange_are_two_transactions():
    """One ISA/GS, one ST per programme (receiver); GE01 counts them."""
    ix = interchange(
        transaction([claim("M1", [line(1)])], number=1),
        transaction(
            [claim("P1", [line(2, modifiers=("HQ",))], member=JOHN, payer=PLAN)],
            number=2,
            receiver=Receiver("Prairie Health Plan", "PHP01"),
        ),
    )
    text = assert_valid_and_round_trips(ix)
    assert [s[2] for s in segments(text) if s[0] == "ST"] == ["0001", "0002"]
    assert next(s for s in segments(text) if s[0] == "GE")[1] == "2"


def test_two_billing_providers_and_payers_in_one_transaction_are_hl_loops():
    """2000A per billing provider, 2000B per member and payer under it (HL01/HL02 parents)."""
    ix = interchange(
        transaction(
            [
                claim("B1", [line(1)]),
                claim("B2", [line(2)], member=JOHN, payer=PLAN),
                claim("B3", [line(3)], provider=SECOND_ORG),
                claim("B4", [line(4, day=DAY + dt.timedelta(days=1))]),  # Jane again: same 2000B
            ]
        )
    )
    text = assert_valid_and_round_trips(ix)
    hls = [s[1:5] for s in segments(text) if s[0] == "HL"]
    assert hls == [
        ["1", "", "20", "1"],
        ["2", "1", "22", "0"],
        ["3", "1", "22", "0"],
        ["4", "", "20", "1"],
        ["5", "4", "22", "0"],
    ]


def test_the_same_batch_gives_the_same_bytes():
    """Control numbers and the creation time come from the caller, so a re-download is identical."""
    ix = interchange(transaction([claim("C1", [line(1), line(2, modifiers=("93",))])]))
    assert write_837p(ix) == write_837p(ix)
    assert write_837p(interchange(*ix.transactions, control=2)) != write_837p(ix)


@pytest.mark.parametrize(
    ("build", "says"),
    [
        (
            lambda: BillingProvider("X", ORG.address, "1234567890", "123456789", "175T00000X"),
            "check digit",
        ),
        (lambda: claim("C1", [line(1)], diagnoses=("11.20",)), "ICD-10-CM"),
        (lambda: claim("C1", [line(1, pointers=(3,))]), "points at a diagnosis"),
        (
            lambda: Claim("C1", ORG, JANE, MEDICAID, "11", ("F1120",), (line(1),), Decimal(1)),
            "not the sum",
        ),
        (lambda: line(1, modifiers=("H",)), "modifier"),
        (lambda: line(1, units=0), "at least one unit"),
        (lambda: Subscriber("", "Doe", "Jane", DAY, "F"), "member id"),
    ],
)
def test_a_claim_that_could_not_be_valid_cannot_be_built(build, says):
    """Required on a peer-support claim (COMPLIANCE.md, Billing): never billed blank or wrong."""
    with pytest.raises(ValueError, match=says):
        build()


def test_a_separator_inside_a_name_is_refused_not_written():
    """X12 5010: a delimiter inside data would shift every element after it."""
    member = Subscriber("MCD9", "O*Brien", "Pat", DAY, "U")
    with pytest.raises(ValueError, match="separator"):
        write_837p(interchange(transaction([claim("C1", [line(1)], member=member)])))


modifier = st.sampled_from(["HQ", "95", "93", "GT", "HF", "U1", "HE"])
service = st.builds(
    lambda n, mods, units, cents, days, pos: line(
        n,
        modifiers=tuple(dict.fromkeys(mods)),
        units=units,
        charge=str(Decimal(cents) / 100),
        day=DAY + dt.timedelta(days=days),
        place=pos,
    ),
    st.integers(0, 10**6),
    st.lists(modifier, max_size=4),
    st.integers(1, 16),
    st.integers(0, 10**6),
    st.integers(0, 60),
    st.sampled_from(["", "02", "10", "11", "12", "99"]),
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(service, min_size=1, max_size=50, unique_by=lambda ln: ln.control_number))
def test_any_list_of_lines_is_valid_and_round_trips(lines):
    """Whatever lines a batch holds (1-50), pyx12 finds no error and each line reads back."""
    assert_valid_and_round_trips(interchange(transaction([claim("H1", lines)])))


# ------------------------------------------------------------------ 835

PAYER_ENVELOPE = Envelope(
    "ILMCD", "HPR01", 501, 501, dt.datetime(2026, 12, 20, 8, 0, tzinfo=dt.UTC)
)
BATCH = [
    claim("C1", [line(1, modifiers=("95",)), line(2, modifiers=("HQ",), units=2, charge="30")]),
    claim("C2", [line(3, modifiers=("93",), units=1, charge="15")], member=JOHN),
]


def remittance_text(**outcomes):
    remittance = remittance_for(
        BATCH, payment_date=dt.date(2026, 12, 20), trace_number="EFT77", **outcomes
    )
    return remittance, write_835(remittance, PAYER_ENVELOPE)


def test_an_835_for_our_lines_is_valid_and_reads_back_paid_and_denied():
    """835 guide 005010X221A1: CLP per claim, SVC per line with CAS reasons and REF*6R."""
    remittance, text = remittance_text(
        denied={"L2": [("CO", "197")], "L3": [("CO", "96"), ("PR", "204")]},
        paid={"L1": Decimal("50")},
    )
    assert validate(text) == []
    back = read_835(text)
    assert back == remittance
    outcome = {ln.control_number: (ln.status, ln.paid, ln.reason_codes) for _, ln in back.lines()}
    assert outcome == {
        "L1": ("paid", Decimal("50"), ("CO-45",)),  # charge over the fee schedule
        "L2": ("denied", Decimal("0"), ("CO-197",)),  # precertification absent
        "L3": ("denied", Decimal("0"), ("CO-96", "PR-204")),
    }
    assert [(c.claim_id, c.status, c.paid) for c in back.claims] == [
        ("C1", "1", Decimal("50")),
        ("C2", "4", Decimal("0")),
    ]  # CLP02 4 = denied
    assert back.payment_amount == Decimal("50") and back.trace_number == "EFT77"
    assert back.lines()[0][1].service_date == DAY  # DTM*472


def test_an_835_paying_nothing_is_a_notification():
    """BPR01 H (notification only) with BPR04 NON when the payment is zero."""
    remittance, text = remittance_text(denied={f"L{n}": [("CO", "16")] for n in (1, 2, 3)})
    assert validate(text) == []
    assert next(s for s in segments(text) if s[0] == "BPR")[:5] == ["BPR", "H", "0", "C", "NON"]
    assert read_835(text) == remittance


outcome = st.one_of(
    st.none(), st.sampled_from([[("CO", "197")], [("CO", "96"), ("PR", "204")], [("OA", "18")]])
)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(outcome, min_size=3, max_size=3))
def test_any_mix_of_paid_and_denied_lines_round_trips(outcomes):
    """Whatever the payer decides per line, the 835 is valid and each decision reads back."""
    denied = {f"L{n}": codes for n, codes in enumerate(outcomes, start=1) if codes}
    remittance, text = remittance_text(denied=denied)
    assert validate(text) == []
    back = read_835(text)
    assert back == remittance
    assert {ln.control_number for _, ln in back.lines() if ln.status == "denied"} == set(denied)


def _refused(text):
    with pytest.raises(RemittanceError) as refused:
        read_835(text)
    return str(refused.value)


def test_a_truncated_835_is_refused_naming_what_is_missing():
    """X12 5010 envelope: every ST ends in SE, every GS in GE, the interchange in IEA."""
    _, text = remittance_text()
    message = _refused(text[: len(text) // 2])
    assert "cut short" in message and "SE transaction trailer" in message
    assert "IEA" in _refused(text.rsplit("IEA", 1)[0])


def test_an_837_uploaded_as_an_835_is_refused_as_a_claim_file():
    """ST01 names the transaction: 837 is a claim, 835 the payer's remittance."""
    message = _refused(write_837p(interchange(transaction(BATCH))))
    assert "837" in message and "not an 835" in message and "claim file" in message


@pytest.mark.parametrize(
    ("garbage", "says"),
    [
        ("", "empty"),
        ("   \n", "empty"),
        ("claim_id,units\nC1,4\n", "not an X12 file"),
        ("%PDF-1.7 \x00\x01 binary", "not an X12 file"),
        ("ISA*00*short~", "not an X12 file"),
    ],
)
def test_a_file_that_is_not_x12_is_refused(garbage, says):
    assert says in _refused(garbage)


def test_a_wrong_transaction_or_version_is_refused():
    """ST*835 and GS08 005010X221A1 are what this reader reads (45 CFR 162.1602)."""
    _, text = remittance_text()
    assert "834" in _refused(text.replace("ST*835", "ST*834"))
    message = _refused(text.replace("005010X221A1", "004010X091A1"))
    assert "version 004010X091A1 (GS08)" in message and "only 005010X221A1" in message


def test_what_pyx12_finds_wrong_is_refused_with_its_message():
    """835 guide, CAS01 claim adjustment group code: CO, CR, OA, PI or PR only."""
    _, text = remittance_text(denied={"L2": [("CO", "197")]})
    message = _refused(text.replace("CAS*CO*197", "CAS*XX*197"))
    assert "does not pass validation" in message and "CAS" in message
    message = _refused(text.replace("SE*", "SE*9"))
    assert "SE count" in message


def test_an_835_that_does_not_balance_is_refused():
    """835 guide, balancing: SVC02 - CAS = SVC03, CLP04 = sum of lines, BPR02 = sum of CLP04."""
    _, text = remittance_text()
    assert "line L1" in _refused(text.replace("SVC*HC:H0038:95*60*60", "SVC*HC:H0038:95*60*55"))
    assert "BPR02" in _refused(text.replace("BPR*I*105*", "BPR*I*104*"))


def test_an_835_with_st03_as_payers_send_it_is_read():
    """5010 put ST03 (= GS08) in every transaction; pyx12's 835 map marks it Not Used.

    That one pyx12 finding is set aside (and only for 005010X221A1); our own
    835s leave ST03 out so that pyx12 passes them with no error at all.
    """
    remittance, text = remittance_text(denied={"L2": [("CO", "197")]})
    with_st03 = text.replace("ST*835*0001~", "ST*835*0001*005010X221A1~")
    assert [e for e in validate(with_st03) if "(ST03) is marked as Not Used" in e] != []
    assert read_835(with_st03) == remittance
    other = text.replace("ST*835*0001~", "ST*835*0001*005010X221A2~")
    assert "ST03" in _refused(other)
