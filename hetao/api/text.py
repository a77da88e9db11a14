"""Text the portal refuses wherever it arrives: NUL characters and bytes that are not UTF-8.

PostgreSQL cannot store NUL in text (the query fails), and Django decodes bytes that are not
UTF-8 to U+FFFD without a word, so a garbled name would be saved as if it were what was typed.
The request middleware checks paths, query strings and form bodies with these functions, and
the API's parsers check the bodies they read themselves.
"""

from urllib.parse import unquote_to_bytes

from django.utils.translation import gettext_lazy as _

NUL = "\x00"
REPLACEMENT = "\ufffd"

NUL_CHARACTER = "nul_character"
INVALID_ENCODING = "invalid_encoding"

MESSAGES = {
    NUL_CHARACTER: _("The request contains a NUL character (U+0000), which no text field accepts."),
    INVALID_ENCODING: _("The request contains text that is not valid UTF-8."),
}


def urlencoded_problem(raw: bytes) -> str | None:
    """NUL_CHARACTER or INVALID_ENCODING for a query string or urlencoded body, None when it is clean."""
    if not raw:
        return None
    for pair in raw.split(b"&"):
        for part in pair.split(b"=", 1):
            decoded = unquote_to_bytes(part.replace(b"+", b" "))
            if b"\x00" in decoded:
                return NUL_CHARACTER
            try:
                decoded.decode("utf-8")
            except UnicodeDecodeError:
                return INVALID_ENCODING
    return None


def decoded_problem(value: str) -> str | None:
    """The problem of text that was already decoded with replacement (multipart form fields, file names).

    U+FFFD stands in such text for bytes that were not UTF-8: typed on purpose it is vanishingly rare,
    so it is refused with the same message as the broken bytes it almost always stands for.
    """
    if NUL in value:
        return NUL_CHARACTER
    if REPLACEMENT in value:
        return INVALID_ENCODING
    return None


def form_problem(data, files=None) -> str | None:
    """The first problem in a parsed form: its field names and values, and the names of its files."""
    for name, values in data.lists():
        for text in (name, *values):
            if isinstance(text, str) and (problem := decoded_problem(text)):
                return problem
    if files is not None:
        for name, uploads in files.lists():
            for text in (name, *(upload.name or "" for upload in uploads)):
                if problem := decoded_problem(text):
                    return problem
    return None
