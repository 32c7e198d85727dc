"""Shape checks for the identifiers a claim carries, as plain functions.

Each `*_error` function returns a sentence a billing admin can act on, or None
when the value is well formed. They check shape (and the NPI's check digit),
not that the number is registered: NPPES, the IRS and the payer do that.
The `*_x12` helpers give the form an X12 file carries (no dot, no hyphen).
"""

import re

# CMS, "Requirements for constructing the NPI check digit" (NPI standard,
# 45 CFR 162.406): the tenth digit is a Luhn (ISO/IEC 7812) check digit
# computed over the card issuer prefix 80840 followed by the first nine.
NPI_PREFIX = "80840"

_ICD10 = re.compile(r"^[A-Z][0-9][A-Z0-9](?:\.?[A-Z0-9]{1,4})?$")
_TAX_ID = re.compile(r"^(?:[0-9]{9}|[0-9]{2}-[0-9]{7})$")
# NUCC Health Care Provider Taxonomy: 10 characters, the last one "X"
# (e.g. 175T00000X Peer Specialist).
_TAXONOMY = re.compile(r"^[0-9]{3}[0-9A-Z]{6}X$")
# HCPCS Level II: a letter and four digits (H0038); CPT: five digits.
_HCPCS = re.compile(r"^(?:[A-Z][0-9]{4}|[0-9]{4}[0-9A-Z])$")
_MODIFIER = re.compile(r"^[0-9A-Z]{2}$")
_POS = re.compile(r"^[0-9]{2}$")


def luhn_check_digit(digits: str) -> int:
    """The digit that makes `digits` + it pass the Luhn check."""
    total = 0
    # Double every second digit counting from the right of the payload,
    # since the check digit will take the rightmost place.
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return (10 - total % 10) % 10


def npi_error(npi: str) -> str | None:
    """Why `npi` is not a well-formed NPI, or None."""
    if not npi:
        return "The NPI is missing."
    if not (len(npi) == 10 and npi.isascii() and npi.isdigit()):
        return f"An NPI is 10 digits; {npi!r} is not."
    if npi[0] not in "12":
        return f"An NPI starts with 1 or 2; {npi!r} starts with {npi[0]}."
    expected = luhn_check_digit(NPI_PREFIX + npi[:9])
    if int(npi[9]) != expected:
        return (
            f"The NPI {npi} fails its check digit (the last digit should be {expected}): "
            "a digit is probably mistyped."
        )
    return None


def icd10_error(code: str) -> str | None:
    """Why `code` is not shaped like an ICD-10-CM code, or None.

    Shape only (a letter, a digit, a letter or digit, then optionally a dot
    and up to four more): whether the code exists in this year's code set,
    and whether it is billable, is for the code set, not a pattern.
    """
    if not code:
        return "The diagnosis code is missing."
    if not _ICD10.match(code.strip().upper()):
        return (
            f"{code!r} is not shaped like an ICD-10-CM code "
            "(a letter, a digit, a letter or digit, then optionally a dot and up to 4 more, "
            "e.g. F11.20)."
        )
    return None


def icd10_x12(code: str) -> str:
    """The code as X12 carries it in HI: upper case without the dot (F11.20 -> F1120)."""
    error = icd10_error(code)
    if error:
        raise ValueError(error)
    return code.strip().upper().replace(".", "")


def tax_id_error(tax_id: str) -> str | None:
    """Why `tax_id` is not shaped like an EIN (9 digits, 12-3456789 accepted), or None."""
    if not tax_id:
        return "The tax id (EIN) is missing."
    if not (tax_id.isascii() and _TAX_ID.match(tax_id)):
        return f"A tax id (EIN) is 9 digits, e.g. 12-3456789; {tax_id!r} is not."
    if tax_id.replace("-", "") == "000000000":
        return "A tax id (EIN) cannot be all zeros."
    return None


def tax_id_x12(tax_id: str) -> str:
    """The EIN as REF*EI carries it: 9 digits, no hyphen."""
    error = tax_id_error(tax_id)
    if error:
        raise ValueError(error)
    return tax_id.replace("-", "")


def taxonomy_error(code: str) -> str | None:
    """Why `code` is not shaped like a NUCC taxonomy code, or None."""
    if not code:
        return "The provider taxonomy code is missing."
    if not _TAXONOMY.match(code):
        return f"A taxonomy code is 10 characters ending in X, e.g. 175T00000X; {code!r} is not."
    return None


def hcpcs_error(code: str) -> str | None:
    """Why `code` is not shaped like a HCPCS/CPT procedure code, or None."""
    if not code:
        return "The procedure code is missing."
    if not _HCPCS.match(code):
        return f"A HCPCS code is a letter and 4 digits, e.g. H0038; {code!r} is not."
    return None


def modifier_error(modifier: str) -> str | None:
    """Why `modifier` is not a two-character procedure modifier, or None."""
    if not _MODIFIER.match(modifier or ""):
        return f"A procedure modifier is 2 letters or digits, e.g. HQ or 95; {modifier!r} is not."
    return None


def place_of_service_error(code: str) -> str | None:
    """Why `code` is not shaped like a CMS place-of-service code (2 digits), or None."""
    if not _POS.match(code or ""):
        return f"A place of service is a 2-digit CMS code, e.g. 11 or 10; {code!r} is not."
    return None
