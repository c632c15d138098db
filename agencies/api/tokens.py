"""An official's own API tokens: log out (revoke the token sent), list them, revoke one.

Administrators see and revoke anyone's in the admin (django-rest-knox's AuthToken admin)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from knox.models import AuthToken
from rest_framework import serializers, status
from rest_framework.exceptions import NotAuthenticated, NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.auth import official_of
from agencies.selectors import api_tokens_of
from agencies.services import api_token_revoke
from common.api.authentication import TokenAuthentication
from common.api.query import StrictQueryMixin


class ApiTokenSerializer(serializers.Serializer):
    key = serializers.CharField(help_text=_("The token's first characters: its name, not the secret."))
    created = serializers.DateTimeField()
    expiry = serializers.DateTimeField(allow_null=True)
    current = serializers.BooleanField(help_text=_("True for the token this request was sent with."))

    def to_representation(self, token: AuthToken) -> dict:
        current = self.context.get("current")
        return {
            "key": token.token_key,
            "created": token.created.isoformat(),
            "expiry": token.expiry.isoformat() if token.expiry else None,
            "current": current is not None and token.digest == current.digest,
        }


class _OwnTokensView(StrictQueryMixin, APIView):
    def allowed_query_params(self) -> set[str]:
        return set()


class LogoutView(_OwnTokensView):
    """Revoke the token this request is sent with (other tokens of the account stay)."""

    authentication_classes = [TokenAuthentication]

    @extend_schema(
        summary="Log out: revoke the token sent with this request",
        request=None,
        responses={204: OpenApiResponse(description="Revoked.")},
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        token = request.auth
        if not isinstance(token, AuthToken):  # only knox's TokenAuthentication lets one in here
            raise NotAuthenticated
        api_token_revoke(official=official_of(request), key=token.token_key)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TokenListView(_OwnTokensView):
    @extend_schema(
        summary="Your API tokens that have not expired, newest first",
        responses=ApiTokenSerializer(many=True),
        tags=["auth"],
    )
    def get(self, request: Request) -> Response:
        current = request.auth if isinstance(request.auth, AuthToken) else None
        tokens = api_tokens_of(official=official_of(request))
        return Response(ApiTokenSerializer(tokens, many=True, context={"current": current}).data)


class TokenRevokeView(_OwnTokensView):
    @extend_schema(
        summary="Revoke one of your API tokens, by its key",
        responses={204: OpenApiResponse(description="Revoked.")},
        tags=["auth"],
    )
    def delete(self, request: Request, key: str) -> Response:
        try:
            api_token_revoke(official=official_of(request), key=key)
        except AuthToken.DoesNotExist:
            raise NotFound() from None
        return Response(status=status.HTTP_204_NO_CONTENT)
