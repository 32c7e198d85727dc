from django.core import validators
from django.db import models

from common import crypto


class EncryptedTextField(models.TextField):
    """Text encrypted in the application (see common.crypto): the database
    only ever sees ciphertext. Not searchable or orderable, by design.

    Every field that holds people's words is one of these
    (tests/security/test_encrypted_fields.py holds the models to it), and
    `manage.py rotate_keys` finds them all in the model registry.

    `max_length` limits the plain text (forms and full_clean); the column is
    unbounded text, since ciphertext is longer than what it hides.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.max_length is not None:
            self.validators.append(validators.MaxLengthValidator(self.max_length))

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return crypto.decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return crypto.encrypt(value)
