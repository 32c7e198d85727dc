import pytest
from allauth.mfa.models import Authenticator
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

from common import crypto
from tests.helpers import TOTP_SECRET


def _raw_secret(user) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT data->>'secret' FROM mfa_authenticator WHERE user_id = %s AND type = 'totp'",
            [user.pk],
        )
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_the_database_holds_no_plaintext_totp_secret(coach):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM mfa_authenticator WHERE data::text LIKE %s", [f"%{TOTP_SECRET}%"]
        )
        assert cursor.fetchone()[0] == 0
    assert crypto.decrypt(_raw_secret(coach)) == TOTP_SECRET


@pytest.mark.django_db
def test_rotating_keys_reencrypts_secrets_with_the_new_key(coach, settings, capsys):
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    call_command("rotate_keys")
    assert "Re-encrypted 1 MFA authenticator(s)" in capsys.readouterr().out

    # The old key alone can no longer read it; the new key alone can.
    settings.FIELD_ENCRYPTION_KEYS = [old_key]
    with pytest.raises(ValueError, match="no configured key"):
        crypto.decrypt(_raw_secret(coach))
    settings.FIELD_ENCRYPTION_KEYS = [new_key]
    assert crypto.decrypt(_raw_secret(coach)) == TOTP_SECRET
    assert Authenticator.objects.filter(user=coach).count() == 1
