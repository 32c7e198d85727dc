"""Key rotation's part in accounts: the MFA secrets allauth keeps."""

from allauth.mfa.models import Authenticator
from django.db import transaction

from common import crypto

# The encrypted fields inside allauth's MFA authenticator data.
_MFA_ENCRYPTED_KEYS = ("secret", "seed")


@transaction.atomic
def mfa_secrets_reencrypt() -> int:
    """Re-encrypt every MFA secret with the first key of FIELD_ENCRYPTION_KEYS.
    Returns how many authenticators were rewritten."""
    count = 0
    for authenticator in Authenticator.objects.select_for_update().order_by("pk"):
        data = dict(authenticator.data)
        keys = [key for key in _MFA_ENCRYPTED_KEYS if key in data]
        # Recovery codes carried over from django-allauth-2fa: each one encrypted.
        codes = data.get("migrated_codes")
        if not keys and not codes:
            continue
        try:
            for key in keys:
                data[key] = crypto.reencrypt(data[key])
            if codes:
                data["migrated_codes"] = [crypto.reencrypt(code) for code in codes]
        except ValueError:
            raise ValueError(
                f"MFA authenticator {authenticator.pk} cannot be decrypted with any "
                "configured key; nothing was re-encrypted."
            ) from None
        Authenticator.objects.filter(pk=authenticator.pk).update(data=data)
        count += 1
    return count
