"""The task's version as its ETag, and the version a write says it edited (If-Match)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request


def etag(version: int) -> str:
    return f'"{version}"'


def expected_version(request: Request, body_version: int | None, current: int | None = None) -> int | None:
    """The version the caller says it edited: ``If-Match`` if sent, else ``version`` in the body.

    ``If-Match: *`` (or neither) means "whatever is stored". Among several tags the current
    one wins if present, else the first (which the service then refuses as stale).
    """
    header = request.headers.get("If-Match")
    if header is None or header.strip() == "*":
        return body_version
    versions = []
    for tag in header.split(","):
        tag = tag.strip()
        if tag.startswith("W/"):
            tag = tag[2:]
        tag = tag.strip('"')
        if not tag.isdigit() or len(tag) > 10:
            raise ValidationError({"If-Match": [_('Send the ETag of the task, e.g. "3".')]})
        versions.append(int(tag))
    return current if current in versions else versions[0]
