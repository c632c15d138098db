"""The web app's pages: login, dashboard, clarity index, task list and page, agency work, feeds."""

from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path

from tasks.web import leader, monitor, views

web_patterns = [
    path("", views.home, name="home"),
    path("dashboard/", views.dashboard, name="dashboard"),
    re_path(r"^dashboard/export\.(?P<fmt>xlsx|csv)$", views.dashboard_export, name="dashboard_export"),
    path("clarity/", views.clarity, name="clarity"),
    path("tasks/", views.task_list, name="task_list"),
    re_path(r"^tasks/export\.(?P<fmt>xlsx|csv)$", views.task_list_export, name="task_list_export"),
    path("tasks/<int:pk>/", views.task_detail, name="task_detail"),
    path("tasks/<int:pk>/start/", views.task_start, name="task_start"),
    path("tasks/<int:pk>/progress/", views.task_progress, name="task_progress"),
    path("tasks/<int:pk>/submit/", views.task_submit, name="task_submit"),
    path("tasks/<int:pk>/extension/", views.task_extension, name="task_extension"),
    path("tasks/<int:pk>/confirm/", views.task_confirm, name="task_confirm"),
    path("tasks/<int:pk>/return/", views.task_return, name="task_return"),
    path("tasks/<int:pk>/signed-result/", views.task_signed_result, name="task_signed_result"),
    path("extensions/<int:pk>/decide/", views.extension_decide, name="extension_decide"),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence_download"),
    path("agency/", views.agency_work, name="agency"),
    # each role's daily job (tasks/web/monitor.py, tasks/web/leader.py)
    path("morning/", monitor.morning, name="morning"),
    path("drafts/", monitor.drafts, name="drafts"),
    path("drafts/bulk/", monitor.drafts_bulk, name="drafts_bulk"),
    path("tasks/<int:pk>/draft/", monitor.draft_clears, name="draft_clears"),
    path("tasks/<int:pk>/draft/return/", monitor.draft_return, name="draft_return"),
    path("leader/", leader.leader_page, name="leader"),
    path("tasks/<int:pk>/reassign/", leader.task_reassign, name="task_reassign"),
    path("calendar/", views.calendar_settings, name="calendar"),
    re_path(
        r"^calendar/(?P<token>[A-Za-z0-9_-]{20,100})/(?P<scope>mine|agency)\.ics$",
        views.ical_feed,
        name="ical_feed",
    ),
]

urlpatterns = [
    # Outside the "web" namespace: settings.LOGIN_URL and LOGOUT_REDIRECT_URL name them "login".
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include((web_patterns, "web"))),
]
