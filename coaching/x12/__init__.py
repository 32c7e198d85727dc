"""X12 5010 claims and remittances, as a library the billing feature calls.

claims.write_837p (837P 005010X222A1), remittance.read_835/write_835 (835
005010X221A1), validate.validate (pyx12 against the guides' maps) and
identifiers (NPI check digit, ICD-10-CM and EIN shapes). No database here:
the billing services turn records into these dataclasses and back.
"""
