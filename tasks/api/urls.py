"""The REST API, version 1, with its OpenAPI schema and docs (assets served by the app)."""

from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_update
from django.http import HttpRequest, JsonResponse
from django.urls import include, path, re_path
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from agencies.api import tokens
from agencies.api.views import AgencyViewSet, OfficialViewSet
from tasks.api import views
from tasks.api.reorganisations import ReorganisationViewSet


@csrf_exempt  # it changes nothing, and a CSRF refusal would be an HTML page
def not_found(request: HttpRequest, rest: str = "") -> JsonResponse:
    """Any other address under /api/ is a JSON 404, like a missing object, never an HTML page."""
    return JsonResponse({"detail": _("Not found."), "code": "not_found"}, status=404)


router = SimpleRouter()
router.register("agencies", AgencyViewSet, basename="agency")
router.register("officials", OfficialViewSet, basename="official")
router.register("directives", views.DirectiveViewSet, basename="directive")
router.register("tasks", views.TaskViewSet, basename="task")
router.register("extension-requests", views.ExtensionRequestViewSet, basename="extension-request")
router.register("reorganisations", ReorganisationViewSet, basename="reorganisation")

v1 = [
    path("auth/token/", views.ObtainTokenView.as_view(), name="api-token"),
    path("auth/logout/", tokens.LogoutView.as_view(), name="api-logout"),
    path("auth/tokens/", tokens.TokenListView.as_view(), name="api-tokens"),
    path("auth/tokens/<str:key>/", tokens.TokenRevokeView.as_view(), name="api-token-revoke"),
    path("me/tasks/", views.MyTasksView.as_view(), name="api-my-tasks"),
    path("reports/backlog/", views.BacklogView.as_view(), name="api-backlog"),
    path("reports/clarity/", views.ClarityView.as_view(), name="api-clarity"),
    *router.urls,
]

urlpatterns = [
    path("v1/", include(v1)),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Swagger UI styles its widgets inline; scripts stay same-origin only (the split view
    # serves its start-up script as a file, not inline).
    path(
        "docs/",
        csp_update({"style-src": [SELF, UNSAFE_INLINE]})(
            SpectacularSwaggerSplitView.as_view(url_name="api-schema")
        ),
        name="api-docs",
    ),
    # any character, a line break (%0A) too: "." would let such a path fall out of /api/
    re_path(r"^(?P<rest>[\s\S]*)$", not_found),
]
