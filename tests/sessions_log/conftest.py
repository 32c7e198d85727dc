"""Fixtures of the reminder tests."""

import pytest

from common import emails


@pytest.fixture
def own_smtp_connection():
    """Each test sends over an SMTP connection of its own: the outbox keeps
    one open per process, and aiosmtpd fixes a connection's handler hooks
    when it opens (a test that refuses recipients must not refuse for the
    next)."""
    emails.kept_close()
    yield
    emails.kept_close()
