"""Encryption of secrets at rest with rotatable keys.

`settings.FIELD_ENCRYPTION_KEYS` is a list of Fernet keys: the first encrypts,
all of them decrypt. To rotate, put a new key first, run
`manage.py rotate_keys` (it rewrites every EncryptedTextField of every model
and the MFA secrets: see accounts.rotation), then drop the old key.

The MultiFernet is cached per tuple of keys, so a changed setting (a test's
override, a restart with a new list) takes effect on the next call.
"""

from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except ValueError:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS must be url-safe base64-encoded 32-byte Fernet keys."
        ) from None


def _keys() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(text: str) -> str:
    return _keys().encrypt(text.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _keys().decrypt(token.encode()).decode()
    except InvalidToken:
        raise ValueError("Cannot decrypt: no configured key matches.") from None


def reencrypt(token: str) -> str:
    """The same secret, encrypted with the first (newest) key."""
    try:
        return _keys().rotate(token.encode()).decode()
    except InvalidToken:
        raise ValueError("Cannot re-encrypt: no configured key matches.") from None
