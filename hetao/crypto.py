"""Personal data at rest: encryption with rotating keys, keyed hashes for lookups, masking.

Keys come from the environment (settings PERSONAL_DATA_KEYS, PERSONAL_DATA_HASH_KEY):

- `PERSONAL_DATA_KEYS`: comma-separated Fernet keys (`manage.py generate_data_key` prints one).
  The first encrypts; every one decrypts, so a new key is rotated in by putting it first,
  running `manage.py rotate_encryption_keys` (re-encrypts every value with it), then dropping
  the old key from the list.
- `PERSONAL_DATA_HASH_KEY`: the HMAC key of the lookup hashes (uniqueness, passage checks). Keep
  it as long as the data: hashes made with another key no longer match.
"""

import base64
import hashlib
import hmac
import unicodedata
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("PERSONAL_DATA_KEYS is empty: set at least one Fernet key.")
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except (ValueError, TypeError) as error:
        raise ImproperlyConfigured(f"PERSONAL_DATA_KEYS holds a key that is not a Fernet key: {error}") from None


def _keys() -> tuple[str, ...]:
    return tuple(settings.PERSONAL_DATA_KEYS)


def generate_key() -> str:
    return Fernet.generate_key().decode()


def encrypt(text: str) -> str:
    return _fernet(_keys()).encrypt(text.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet(_keys()).decrypt(token.encode()).decode()
    except InvalidToken:
        raise ImproperlyConfigured(
            "A personal-data value cannot be decrypted with PERSONAL_DATA_KEYS: was a key dropped too early?"
        ) from None


def rotate(token: str) -> str:
    """The same value encrypted with the first key (a no-op re-encryption when it already is)."""
    return _fernet(_keys()).rotate(token.encode()).decode()


def normalise_identifier(value: str) -> str:
    """A document number as people type it, made comparable: NFKC (full-width digits), no spaces or
    dashes, upper case."""
    value = unicodedata.normalize("NFKC", value or "")
    return "".join(ch for ch in value if ch.isalnum()).upper()


def keyed_hash(value: str, *, purpose: str, key: str | None = None) -> str:
    """HMAC-SHA256 of a normalised identifier: equal numbers give equal hashes, and without the key
    nobody can test a guess against the database."""
    secret = (key or settings.PERSONAL_DATA_HASH_KEY).encode()
    return hmac.new(secret, f"{purpose}:{normalise_identifier(value)}".encode(), hashlib.sha256).hexdigest()


def mask(value: str, visible: int = 4) -> str:
    """•••• and the last characters: what pages, exports and API answers show of a document number."""
    value = normalise_identifier(value)
    return "••••" + value[-visible:] if value else ""


def development_keys(secret_key: str) -> tuple[list[str], str]:
    """Keys derived from SECRET_KEY for development and tests only (production sets its own)."""
    digest = hashlib.sha256(f"hetao.personal-data:{secret_key}".encode()).digest()
    return [base64.urlsafe_b64encode(digest).decode()], hashlib.sha256(digest).hexdigest()
