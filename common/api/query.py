"""Unknown query parameters refused: a misspelt filter must not return every row."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.views import APIView

from common.api.pagination import KeysetPagination


class StrictQueryMixin(APIView):
    """Refuse query parameters the endpoint does not know, so that a misspelt filter is a 400
    naming it rather than a silently unfiltered list.

    A list accepts its FilterSet's fields plus ``cursor`` and ``page_size``; other actions
    accept what ``extra_query_params`` names for them.
    """

    extra_query_params: dict[str, tuple[str, ...]] = {}

    def allowed_query_params(self) -> set[str]:
        allowed = set(self.extra_query_params.get(getattr(self, "action", None) or "", ()))
        if self.is_paginated_action():
            pagination = KeysetPagination
            allowed |= {pagination.cursor_query_param, pagination.page_size_query_param}
            filterset_class = self.filterset_for_action()
            if filterset_class is not None:
                allowed |= set(filterset_class.base_filters)
        return allowed

    def is_paginated_action(self) -> bool:
        return getattr(self, "action", None) == "list"

    def filterset_for_action(self):
        return getattr(self, "filterset_class", None)

    def initial(self, request: Request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        params = request.query_params
        allowed = self.allowed_query_params()
        errors = {}
        for name in params:
            if name not in allowed:
                errors[name] = [_("Unknown query parameter.")]
            elif any("\x00" in value for value in params.getlist(name)):
                errors[name] = [_("Null characters are not allowed.")]
        if errors:
            raise ValidationError(errors)
