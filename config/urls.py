from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts import api as accounts_api
from accounts import pwa
from accounts import views as accounts_views
from accounts.api_errors import SchemaAccess
from dashboard import api as dashboard_api
from evidence import api as evidence_api
from issues import api as issues_api
from jobs import api as jobs_api
from ledgers import api as ledgers_api
from points import api as points_api
from rounds import api as rounds_api
from surveys import api as surveys_api

api_v1 = [
    path("auth/token/", accounts_api.TokenView.as_view(), name="api-token"),
    path("", include(accounts_api.router.urls)),
    path("", include(evidence_api.router.urls)),
    path("", include(points_api.router.urls)),
    path("", include(issues_api.router.urls)),
    path("", include(ledgers_api.router.urls)),
    path("", include(surveys_api.router.urls)),
    path("", include(dashboard_api.router.urls)),
    path("", include(jobs_api.router.urls)),
    path("", include(rounds_api.router.urls)),
]

urlpatterns = [
    path("", accounts_views.HomeView.as_view(), name="home"),
    path("healthz", accounts_views.healthz, name="healthz"),
    path("manifest.webmanifest", pwa.manifest, name="manifest"),
    path("sw.js", pwa.service_worker, name="service-worker"),
    path("offline/", pwa.OfflineView.as_view(), name="offline"),
    path("accounts/login/", pwa.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password_change/", auth_views.PasswordChangeView.as_view(),
         name="password_change"),
    path("accounts/password_change/done/", auth_views.PasswordChangeDoneView.as_view(),
         name="password_change_done"),
    path("accounts/", include("accounts.urls")),
    path("evidence/", include("evidence.urls")),
    path("points/", include("points.urls")),
    path("issues/", include("issues.urls")),
    path("ledgers/", include("ledgers.urls")),
    path("surveys/", include("surveys.urls")),
    path("dashboard/", include("dashboard.urls")),
    path("jobs/", include("jobs.urls")),
    path("civic/", include("civic.urls")),
    path("rounds/", include("rounds.urls")),
    path("open311/v2/", include("civic.open311_urls")),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(permission_classes=[SchemaAccess]),
         name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(
        url_name="schema", permission_classes=[SchemaAccess]), name="api-docs"),
    path("admin/", admin.site.urls),
]

handler400 = "accounts.api_errors.bad_request"
handler404 = "accounts.api_errors.page_not_found"
