"""Validation of an X12 text against the HIPAA implementation guides, by pyx12.

pyx12 ships the 837P (837.5010.X222.A1) and 835 (835.5010.X221.A1) maps and
checks loops, segments, element types, lengths and code values against them.
Its `x12n_document` reports errors through an error handler that it can
write out as JSON (`fd_json`); engine failures and "not X12 at all" go to the
`pyx12` logger instead, so both are collected here.
"""

import io
import json
import logging

import pyx12.errors
import pyx12.params
import pyx12.x12n_document

_LOGGER = logging.getLogger("pyx12")


class _Collect(logging.Handler):
    """Keeps the pyx12 logger's error records for the duration of one validation."""

    def __init__(self):
        super().__init__(level=logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def validate(text: str) -> list[str]:
    """pyx12's errors for `text`, each a line naming where and what; [] when valid."""
    report = io.StringIO()
    collect = _Collect()
    _LOGGER.addHandler(collect)
    # pyx12 logs each error as well; the messages are returned, not printed.
    propagate, _LOGGER.propagate = _LOGGER.propagate, False
    try:
        valid = pyx12.x12n_document.x12n_document(
            pyx12.params.params(), io.StringIO(text), None, None, fd_json=report
        )
    except (pyx12.errors.EngineError, pyx12.errors.X12Error) as error:
        return [f"pyx12 could not read the file: {error}"]
    finally:
        _LOGGER.removeHandler(collect)
        _LOGGER.propagate = propagate
    # The JSON tree holds the same errors as the log, placed in their loop; the
    # log alone speaks when pyx12 stops before building the tree.
    errors = _flatten(json.loads(report.getvalue())) if report.getvalue() else []
    if not errors:
        errors = [_plain(message) for message in collect.messages]
    if not valid and not errors:
        errors.append("pyx12 found the file invalid without naming an error.")
    return errors


def _plain(message: str) -> str:
    """pyx12's log line without the repr of our in-memory file."""
    if "does not look like an X12 data file" in message:
        return "The text does not look like an X12 file (it must begin with an ISA segment)."
    return message


def _flatten(doc: dict) -> list[str]:
    """The errh_json tree (interchange > group > transaction > segment > element) as lines."""
    lines = []
    for isa in doc.get("interchanges", []):
        lines += [f"ISA: {e['err_cde']} {e['err_str']}" for e in isa["errors"]]
        for gs in isa["groups"]:
            lines += [f"GS {gs['gs_control_num']}: {e['err_cde']} {e['err_str']}"
                      for e in gs["errors"]]
            for st in gs["transactions"]:
                where = f"ST {st['trn_set_control_num']}"
                lines += [f"{where}: {e['err_cde']} {e['err_str']}" for e in st["errors"]]
                for seg in st["segments"]:
                    at = f"{where}, segment {seg['seg_count']} {seg['seg_id']} ({seg['name']})"
                    lines += [
                        f"{at}: {e['err_cde']} {e['err_str']}"
                        + (f" (value {e['err_val']!r})" if e.get("err_val") else "")
                        for e in seg["errors"]
                    ]
                    for ele in seg["elements"]:
                        lines += [
                            f"{at}, element {ele['ele_pos']} ({ele['name']}): "
                            f"{e['err_cde']} {e['err_str']}"
                            + (f" (value {e['err_val']!r})" if e.get("err_val") else "")
                            for e in ele["errors"]
                        ]
    return lines
