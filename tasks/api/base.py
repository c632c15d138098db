"""The task's version as its ETag, and the version a write says it edited (If-Match)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework.request import Request

from tasks.errors import StaleVersion


def etag(version: int) -> str:
    return f'"{version}"'


def expected_version(request: Request, body_version: int | None, current: int | None = None) -> int | None:
    """The version the caller says it edited: ``If-Match`` if sent, else ``version`` in the body.

    ``If-Match: *`` (or neither) means "whatever is stored". Otherwise the header must hold the
    current ETag, compared strongly (RFC 9110, 13.1.1): any other list of tags, a weak one, or
    one that is not an entity tag at all fails the precondition (412), never a 400. The
    service compares the version again under its row lock.
    """
    header = request.headers.get("If-Match")
    if header is None or header.strip() == "*":
        return body_version
    if current is not None and etag(current) in (tag.strip() for tag in header.split(",")):
        return current
    raise StaleVersion(_("The task was changed by someone else; reload it and try again."))
