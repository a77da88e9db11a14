"""Checks for uploaded documents: by content and structure, not by the name the uploader gave."""

import hashlib
import io
import re
import secrets
import struct
import zlib
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


# PDF names that make a document do something when opened, rather than only show pages:
# scripts, launching programs, embedded files, multimedia and XML forms.
_PDF_ACTIVE_KEYS = {"/JS", "/JavaScript", "/Launch", "/EmbeddedFile", "/EmbeddedFiles", "/RichMedia", "/XFA"}
_PDF_ACTIVE_ACTIONS = {"/JavaScript", "/Launch", "/ImportData", "/GoToE", "/Rendition", "/RichMediaExecute"}
# Also looked for in the file's bytes, where a name may be spelled with #xx escapes (/J#61vaScript).
_PDF_ACTIVE_NAME_RE = re.compile(rb"/(?:JS|JavaScript|Launch|EmbeddedFiles?|RichMedia|XFA)(?![A-Za-z0-9])")
_PDF_NAME_ESCAPE_RE = re.compile(rb"#([0-9A-Fa-f]{2})")
# Walking a PDF's objects stops here: a real document has far fewer, a hostile one may have millions.
_PDF_MAX_OBJECTS = 200_000
_MARKUP_RE = re.compile(rb"<\s*(?:script|html|body|iframe|svg|object|embed)\b|<!doctype", re.IGNORECASE)


class ActiveContent(Exception):
    """The file carries something besides the document: a script, an action, an attachment, a tail."""


def _pdf_object_walk(reader) -> None:
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

    seen: set[tuple[int, int]] = set()
    stack = [reader.trailer]
    visited = 0
    while stack:
        node = stack.pop()
        if isinstance(node, IndirectObject):
            ref = (node.idnum, node.generation)
            if ref in seen:
                continue
            seen.add(ref)
            node = node.get_object()
        visited += 1
        if visited > _PDF_MAX_OBJECTS:
            raise ActiveContent("too many objects")
        if isinstance(node, DictionaryObject):
            for key, value in node.items():
                if key in _PDF_ACTIVE_KEYS:
                    raise ActiveContent(key)
                if key == "/AA":  # additional actions: run on opening pages, fields, the document
                    raise ActiveContent(key)
                if key == "/OpenAction" and not isinstance(value.get_object(), ArrayObject):
                    # A destination (an array) only opens at a page; an action dictionary does something.
                    raise ActiveContent(key)
                if key == "/S" and isinstance(value, NameObject) and value in _PDF_ACTIVE_ACTIONS:
                    raise ActiveContent(value)
                stack.append(value)
        elif isinstance(node, ArrayObject):
            stack.extend(node)


def _pdf_checked(content: bytes) -> None:
    """A readable PDF with pages, no active content and nothing after its end."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    end = content.rfind(b"%%EOF")
    if end < 0:
        raise ValueError("no end of file marker")
    if content[end + 5 :].strip(b"\r\n\t \x00"):
        raise ActiveContent("data after the end of the document")
    if _PDF_ACTIVE_NAME_RE.search(_PDF_NAME_ESCAPE_RE.sub(lambda m: bytes([int(m[1], 16)]), content)):
        raise ActiveContent("active name")
    try:
        reader = PdfReader(io.BytesIO(content), strict=False)
        if not reader.pages:
            raise ValueError("no pages")
        _pdf_object_walk(reader)
    except ActiveContent:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, OSError, RecursionError) as error:
        raise ValueError("unreadable") from error


def _png_checked(content: bytes) -> None:
    """Chunks with correct CRCs up to IEND, nothing after it, no markup in the text chunks."""
    position = 8
    while True:
        if position + 12 > len(content):
            raise ValueError("truncated")
        length = struct.unpack(">I", content[position : position + 4])[0]
        kind = content[position + 4 : position + 8]
        data = content[position + 8 : position + 8 + length]
        crc = content[position + 8 + length : position + 12 + length]
        if len(data) != length or len(crc) != 4 or zlib.crc32(kind + data) != struct.unpack(">I", crc)[0]:
            raise ValueError("damaged chunk")
        if kind in {b"tEXt", b"zTXt", b"iTXt"} and _MARKUP_RE.search(data):
            raise ActiveContent("markup in a text chunk")
        position += 12 + length
        if kind == b"IEND":
            break
    if content[position:].strip(b"\x00"):
        raise ActiveContent("data after the end of the image")


def _jpeg_checked(content: bytes) -> None:
    """Nothing after the image's end marker (some cameras pad with zero bytes)."""
    if not content.rstrip(b"\x00").endswith(b"\xff\xd9"):
        raise ActiveContent("data after the end of the image")


def _image_readable(content: bytes) -> None:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(content)) as image:
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        raise ValueError("unreadable") from error


def _structure_checked(content: bytes, content_type: str) -> None:
    """ValueError when the file is not a readable document of its type; ActiveContent when it is
    more than that (scripts, actions, attachments, markup, or other data before or after it)."""
    if content_type == "application/pdf":
        # A PDF may legally start after some junk; a document uploaded here starts with its header.
        if not content.startswith(b"%PDF-"):
            raise ActiveContent("data before the document")
        _pdf_checked(content)
        return
    _image_readable(content)
    if _MARKUP_RE.search(content):
        raise ActiveContent("markup")
    if content_type == "image/png":
        _png_checked(content)
    else:
        _jpeg_checked(content)


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
    try:
        _structure_checked(content, content_type)
    except ActiveContent:
        raise ValidationError(
            _(
                "This %(type)s carries more than a document (scripts, automatic actions, attached files or "
                "other data hidden in it), so it is not accepted. Save or print it again as a plain %(type)s "
                "and upload that copy."
            )
            % {"type": DOCUMENT_TYPES[content_type].upper()},
            code="file_active_content",
        ) from None
    except ValueError:
        raise ValidationError(
            _("The file is damaged or not a readable %(type)s.") % {"type": DOCUMENT_TYPES[content_type].upper()},
            code="file_damaged",
        ) from None
    extension = DOCUMENT_TYPES[content_type]
    return CheckedUpload(
        content=content,
        content_type=content_type,
        extension=extension,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        stored_name=f"{secrets.token_hex(16)}.{extension}",
    )
