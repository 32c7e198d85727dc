"""Validation of an X12 text against the HIPAA implementation guides, by pyx12.

pyx12 ships the 837P (837.5010.X222.A1) and 835 (835.5010.X221.A1) maps and
checks loops, segments, element types, lengths and code values against them.
Its `x12n_document` reports each error to its error handler, which logs it
on the `pyx12` logger as "Line:N SEG/ELE:code - what" (the lines its own
x12valid command prints); the handler's JSON form leaves some out (element
errors in ST, for one), so the log is what is collected here.
"""

import io
import logging
import threading

import pyx12.errors
import pyx12.params
import pyx12.x12n_document

_LOGGER = logging.getLogger("pyx12")
# The handler is added to a process-wide logger, so two validations at once
# (threads of one web worker) would each collect the other's errors.
_ONE_AT_A_TIME = threading.Lock()


class _Collect(logging.Handler):
    """Keeps the pyx12 logger's error records for the duration of one validation."""

    def __init__(self):
        super().__init__(level=logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def validate(text: str) -> list[str]:
    """pyx12's errors for `text`, each a line naming where and what; [] when valid."""
    with _ONE_AT_A_TIME:
        return _validate(text)


def _validate(text: str) -> list[str]:
    collect = _Collect()
    _LOGGER.addHandler(collect)
    # The errors are returned, not printed: the logger stops propagating for the
    # call, and is made to pass errors if the site's logging set it quieter.
    propagate, _LOGGER.propagate = _LOGGER.propagate, False
    level = _LOGGER.level
    if _LOGGER.getEffectiveLevel() > logging.ERROR:
        _LOGGER.setLevel(logging.ERROR)
    try:
        valid = pyx12.x12n_document.x12n_document(
            pyx12.params.params(), io.StringIO(text), None, None
        )
    except (pyx12.errors.EngineError, pyx12.errors.X12Error) as error:
        return [f"pyx12 could not read the file: {error}"]
    finally:
        _LOGGER.removeHandler(collect)
        _LOGGER.propagate = propagate
        _LOGGER.setLevel(level)
    errors = [_plain(message) for message in collect.messages]
    if not valid and not errors:
        errors.append("pyx12 found the file invalid without naming an error.")
    return errors


def _plain(message: str) -> str:
    """pyx12's log line without the repr of our in-memory file."""
    if "does not look like an X12 data file" in message:
        return "The text does not look like an X12 file (it must begin with an ISA segment)."
    return message
