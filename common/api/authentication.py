"""Token authentication: django-rest-knox's, with one query per request."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from knox.auth import TokenAuthentication as KnoxTokenAuthentication


class TokenAuthentication(KnoxTokenAuthentication):
    """Knox checks the hashed token and its expiry. On every request it also read all of the
    caller's other tokens to delete the expired ones: a second query on every API call (the
    query counts in tests/api/test_lists.py pin one). Here only the token presented is judged;
    an expired one is deleted when it is next presented, and refused either way."""

    def _cleanup_token(self, auth_token) -> bool:
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            auth_token.delete()
            return True
        return False


class TokenScheme(OpenApiAuthenticationExtension):
    """The token in the schema, as before the switch to knox: ``tokenAuth``, the
    ``Authorization`` header with the ``Token`` prefix (integrators' clients read this name)."""

    target_class = "common.api.authentication.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(header_name="Authorization", token_prefix="Token")  # noqa: S106
