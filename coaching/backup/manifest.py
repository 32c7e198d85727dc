"""The manifest of a backup, signed: an HMAC-SHA256 over its canonical JSON
with settings.BACKUP_SIGNING_KEY, a key kept where the encryption keys are
and never in the backup directory. The manifest holds the dump's SHA-256,
so a valid signature vouches for the dump too. A restore reads nothing from
a manifest before its signature verifies."""

import hashlib
import hmac
import json
from pathlib import Path

from django.conf import settings

from coaching.backup.common import DUMP, MANIFEST, BackupError, sha256_of

SIGNATURE = "signature_hmac_sha256"


def signing_key() -> bytes:
    key = settings.BACKUP_SIGNING_KEY
    if not key:
        raise BackupError(
            "BACKUP_SIGNING_KEY is not set: it signs and verifies backups, and is kept "
            "where FIELD_ENCRYPTION_KEYS are (never beside the backups)."
        )
    return key.encode()


def _canonical(manifest: dict) -> bytes:
    body = {name: value for name, value in manifest.items() if name != SIGNATURE}
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


def manifest_sign(manifest: dict) -> dict:
    """The manifest with its signature (any old one replaced)."""
    signature = hmac.new(signing_key(), _canonical(manifest), hashlib.sha256).hexdigest()
    return {**{k: v for k, v in manifest.items() if k != SIGNATURE}, SIGNATURE: signature}


def manifest_write(directory: Path, manifest: dict) -> dict:
    signed = manifest_sign(manifest)
    (directory / MANIFEST).write_text(json.dumps(signed, indent=2) + "\n")
    return signed


def manifest_read(directory: Path) -> dict:
    """The manifest, once its signature verifies, its dump is the fixed
    file name and that file's SHA-256 is the one it names: else BackupError
    (nothing else is read or done)."""
    path = directory / MANIFEST
    try:
        manifest = json.loads(path.read_text())
    except FileNotFoundError:
        raise BackupError(f"{path} does not exist: not a backup, not restored") from None
    except (ValueError, UnicodeDecodeError):
        raise BackupError(f"{path} is not a manifest (not JSON): not restored") from None
    signature = manifest.get(SIGNATURE) if isinstance(manifest, dict) else None
    if not isinstance(signature, str):
        raise BackupError("the manifest is not signed: not restored")
    expected = hmac.new(signing_key(), _canonical(manifest), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(signature, expected):
        raise BackupError(
            "the manifest's signature does not verify with BACKUP_SIGNING_KEY (edited, or "
            "signed with another key): not restored"
        )
    if manifest.get("dump") != DUMP:
        raise BackupError(
            f"the manifest names the dump {manifest.get('dump')!r}; a backup's dump is "
            f"always {DUMP!r}: not restored"
        )
    dump = directory / DUMP
    if not dump.is_file():
        raise BackupError(f"{dump} does not exist: not restored")
    if sha256_of(dump) != manifest.get("dump_sha256"):
        raise BackupError("the dump does not match its manifest (sha256): not restored")
    return manifest
