from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from web.views import account

admin.site.site_header = _("NTM Portal administration")
admin.site.site_title = _("NTM Portal")

# The API docs page's own script is served as a file (the split view), so the page keeps the
# strict script policy; Swagger UI styles itself inline, so styles alone are loosened here.
api_docs = csp_update({"style-src": ["'unsafe-inline'"]})(
    SpectacularSwaggerSplitView.as_view(url_name="schema")
)

urlpatterns = [
    path("", include("web.urls")),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", account.password_change, name="password_change"),
    path("accounts/password/done/", account.password_change_done, name="password_change_done"),
    path("accounts/password/reset/", account.password_reset, name="password_reset"),
    path("accounts/password/reset/sent/", account.password_reset_done, name="password_reset_done"),
    path(
        "accounts/password/reset/<uidb64>/<token>/",
        account.password_reset_confirm,
        name="password_reset_confirm",
    ),
    path(
        "accounts/password/reset/done/",
        account.password_reset_complete,
        name="password_reset_complete",
    ),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("ntm_portal.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", api_docs, name="swagger-ui"),
]

# Under /api/ a 404 is JSON of the API's one error shape, also where no route matches.
handler404 = "core.api.not_found"
