from django.db import models

from accounts import crypto


class EncryptedTextField(models.TextField):
    """Text encrypted in the application (see accounts.crypto): the database
    only ever sees ciphertext. Not searchable or orderable, by design."""

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return crypto.decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return crypto.encrypt(value)
