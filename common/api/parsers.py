"""JSON bodies parsed with a bound on their nesting."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

#: No body of this API nests deeper than a handful of levels; the bound is far above that and
#: far below the recursion limits of the JSON encoder (orjson: 254) and of the interpreter.
MAX_JSON_DEPTH = 32


def _depth_exceeds(data, limit: int) -> bool:
    """Whether ``data`` nests deeper than ``limit``, found without recursion."""
    stack = [(data, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            item = list(item.values())
        elif not isinstance(item, list):
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in item)
    return False


class BoundedJSONParser(JSONParser):
    """DRF's JSON parser, refusing too deep a body with a 400. Nested past the interpreter's
    recursion limit, the standard parser raised RecursionError, which no handler turned into
    an answer: an HTML 500 with a traceback in the log, for anyone, before any login."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_("The JSON body is nested too deeply.")) from None
        if _depth_exceeds(data, MAX_JSON_DEPTH):
            raise ParseError(_("The JSON body is nested too deeply."))
        return data
