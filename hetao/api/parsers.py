"""Request body parsers of the API, within the bounds of `hetao.limits`.

The JSON parser reads at most DATA_UPLOAD_MAX_MEMORY_SIZE bytes (413 above), refuses nesting
deeper than JSON_MAX_DEPTH before the decoder recurses into it, numbers that are not finite
(`1e400`, `NaN`, `Infinity`) and NUL characters in any string. The form parsers refuse NUL and
text that is not UTF-8, like the request middleware does for the requests it sees parsed.
"""

import json
import math
import re

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

from hetao.api import text
from hetao.api.exceptions import PayloadTooLarge
from hetao.limits import JSON_MAX_DEPTH

# A JSON string, escapes included, written so that the regex engine never backtracks into it.
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_JSON_BRACKET = re.compile(r"[\[\]{}]")


class _NotFinite(ValueError):
    pass


def _finite_float(literal: str) -> float:
    value = float(literal)
    if not math.isfinite(value):
        raise _NotFinite(literal)
    return value


def _refuse_constant(literal: str):
    raise _NotFinite(literal)


def nesting_exceeds(document: str, limit: int) -> bool:
    """Whether arrays and objects in a JSON text nest deeper than `limit` (brackets in strings aside)."""
    if document.count("[") + document.count("{") <= limit:
        return False
    depth = 0
    for match in _JSON_BRACKET.finditer(_JSON_STRING.sub("", document)):
        if match.group() in "[{":
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def _contains_nul(data) -> bool:
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if text.NUL in item:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def body_limit() -> int | None:
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


class JSONParser(parsers.JSONParser):
    """JSON within the portal's bounds (see the module's docstring); every refusal is a 400 or 413."""

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parsers.get_encoding(parser_context)
        limit = body_limit()
        raw = stream.read() if limit is None else stream.read(limit + 1)
        if limit is not None and len(raw) > limit:
            raise PayloadTooLarge()
        try:
            document = raw.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            raise ParseError(_("The JSON body is not valid UTF-8."), code=text.INVALID_ENCODING) from None
        if nesting_exceeds(document, JSON_MAX_DEPTH):
            raise ParseError(
                _("The JSON body nests arrays and objects deeper than %(depth)s levels.") % {"depth": JSON_MAX_DEPTH},
                code="json_too_deep",
            )
        try:
            data = json.loads(document, parse_float=_finite_float, parse_constant=_refuse_constant)
        except _NotFinite as exc:
            raise ParseError(
                _("The JSON body contains a number that is not finite (%(literal)s).") % {"literal": exc.args[0]},
                code="json_number_not_finite",
            ) from None
        except (ValueError, RecursionError) as exc:
            raise ParseError(_("The body is not valid JSON: %(error)s") % {"error": exc}, code="parse_error") from None
        # A raw NUL cannot appear in valid JSON; only the escape can put one in a string.
        if "\\u0000" in document and _contains_nul(data):
            raise ParseError(str(text.MESSAGES[text.NUL_CHARACTER]), code=text.NUL_CHARACTER)
        return data


def _refuse_form_problem(problem: str | None) -> None:
    if problem is not None:
        raise ParseError(str(text.MESSAGES[problem]), code=problem)


class FormParser(parsers.FormParser):
    """URL-encoded forms without NUL characters and in valid UTF-8."""

    def parse(self, stream, media_type=None, parser_context=None):
        from django.http import QueryDict

        parser_context = parser_context or {}
        limit = body_limit()
        raw = stream.read() if limit is None else stream.read(limit + 1)
        if limit is not None and len(raw) > limit:
            raise PayloadTooLarge()
        _refuse_form_problem(text.urlencoded_problem(raw))
        return QueryDict(raw, encoding=parsers.get_encoding(parser_context))


class MultiPartParser(parsers.MultiPartParser):
    """Multipart forms whose fields and file names have no NUL characters and were valid UTF-8."""

    def parse(self, stream, media_type=None, parser_context=None):
        result = super().parse(stream, media_type, parser_context)
        _refuse_form_problem(text.form_problem(result.data, result.files))
        return result
