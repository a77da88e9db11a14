"""Model fields of the portal core."""

from django.db import models

from hetao import crypto


class EncryptedTextField(models.TextField):
    """Text stored encrypted (Fernet, `hetao.crypto`): the database, its dumps and the audit trail
    never hold it in clear. It cannot be searched; pair it with a keyed hash for lookups, and keep
    it out of `@audited(exclude=…)`."""

    description = "Text encrypted at rest"

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return crypto.decrypt(value)

    def to_python(self, value):
        return value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return crypto.encrypt(value)
