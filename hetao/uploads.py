"""Checks for uploaded documents: by content and structure, not by the name the uploader gave."""

import hashlib
import io
import secrets
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

DOCUMENT_TYPES = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}


@dataclass(frozen=True)
class CheckedUpload:
    content: bytes
    content_type: str
    extension: str
    size: int
    sha256: str
    stored_name: str


def _structure_ok(content: bytes, content_type: str) -> bool:
    if content_type == "application/pdf":
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError

        try:
            reader = PdfReader(io.BytesIO(content), strict=False)
            return len(reader.pages) > 0
        except (PdfReadError, ValueError, KeyError, TypeError, OSError, RecursionError):
            return False
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(content)) as image:
            image.verify()
        return True
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return False


def check_document(uploaded, *, max_bytes: int | None = None) -> CheckedUpload:
    """Accept a PDF, PNG or JPEG within the size limit; refuse anything else with a clear message."""
    max_bytes = max_bytes or settings.UPLOAD_MAX_BYTES
    size = getattr(uploaded, "size", None)
    if size is not None and size > max_bytes:
        raise ValidationError(
            _("The file is too large (%(size)s); the limit is %(limit)s.")
            % {"size": filesizeformat(size), "limit": filesizeformat(max_bytes)},
            code="file_too_large",
        )
    content = uploaded.read(max_bytes + 1)
    if len(content) > max_bytes:
        raise ValidationError(
            _("The file is too large; the limit is %(limit)s.") % {"limit": filesizeformat(max_bytes)},
            code="file_too_large",
        )
    if not content:
        raise ValidationError(_("The file is empty."), code="file_empty")
    kind = filetype.guess(content)
    content_type = kind.mime if kind else None
    if content_type not in DOCUMENT_TYPES:
        raise ValidationError(
            _(
                "Only PDF, PNG and JPEG documents are accepted; this file's content is not one of them, "
                "whatever its name says."
            ),
            code="file_type",
        )
    if not _structure_ok(content, content_type):
        raise ValidationError(
            _("The file is damaged or not a readable %(type)s.") % {"type": DOCUMENT_TYPES[content_type].upper()},
            code="file_damaged",
        )
    extension = DOCUMENT_TYPES[content_type]
    return CheckedUpload(
        content=content,
        content_type=content_type,
        extension=extension,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        stored_name=f"{secrets.token_hex(16)}.{extension}",
    )
