"""The API's JSON parser: DRF's, with a bound on how deeply a body may nest.

Python's json decoder recurses once per level of `[` or `{`: about 2 KB of `[[[[…` reaches the
interpreter's recursion limit, and DRF's parser, which only catches ValueError, let the
RecursionError through as a 500 on every endpoint, before any permission or throttle. No body
the API accepts nests more than a few levels, so anything deeper than MAX_JSON_DEPTH is a 400
(`ParseError`, rendered in the API's error shape by `civic.api.exception_handler`).
"""

from __future__ import annotations

import codecs
from typing import Any

from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser, get_encoding
from rest_framework.utils import json

MAX_JSON_DEPTH = 32


class JSONTooDeep(ValueError):
    pass


def nesting_exceeds(value: Any, limit: int) -> bool:
    """Whether `value` (decoded JSON) has containers nested more than `limit` deep. Iterative:
    measuring the depth must not recurse either."""
    if not isinstance(value, (dict, list)):
        return False
    stack = [(value, 1)]
    while stack:
        container, depth = stack.pop()
        if depth > limit:
            return True
        children = container.values() if isinstance(container, dict) else container
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


def json_loads_bounded(text: str | bytes, *, max_depth: int = MAX_JSON_DEPTH, **kwargs) -> Any:
    """`json.loads` for untrusted bodies: nesting past `max_depth` raises `JSONTooDeep` (a
    ValueError, like every other malformed document) instead of a RecursionError."""
    try:
        value = json.loads(text, **kwargs)
    except RecursionError:
        # The C decoder checks the recursion limit at each level and unwinds cleanly.
        raise JSONTooDeep(max_depth) from None
    if nesting_exceeds(value, max_depth):
        raise JSONTooDeep(max_depth)
    return value


class DepthLimitedJSONParser(JSONParser):
    """REST_FRAMEWORK's DEFAULT_PARSER_CLASSES use this one for application/json."""

    def parse(self, stream, media_type=None, parser_context=None):
        # Like DRF's own parse (text charsets only, strict constants), but bounded.
        encoding = get_encoding(parser_context or {})
        parse_constant = json.strict_constant if self.strict else None
        try:
            text = codecs.getreader(encoding)(stream).read()
            return json_loads_bounded(text, parse_constant=parse_constant)
        except JSONTooDeep:
            raise ParseError(
                _("JSON parse error - nested more than %(limit)d levels deep.")
                % {"limit": MAX_JSON_DEPTH}
            ) from None
        except ValueError as exc:
            raise ParseError(_("JSON parse error - %(error)s") % {"error": exc}) from None
