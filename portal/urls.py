from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path, re_path
from django.views.i18n import set_language
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from portal import views
from portal.api import api_urls

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("kb/", include("knowledge.urls")),
    path("search/", include("search.urls")),
    path("me/", include("personal.urls")),
    path("maps/", include("maps.urls")),
    path("forms/", include("structured.urls")),
    path("faq/", include("faq.urls")),
    path("qa/", include("qa.urls")),
    path("training/", include("training.urls")),
    path("approvals/", include("workflows.urls")),
    path("stats/", include("stats.urls")),
    # The public self-service site: anonymous customers, public items only.
    path("help/", include("selfservice.urls")),
    path("api/", api_urls()),
    # Images only: document files go through the permission-checking views above.
    re_path(r"^media/(?P<path>(?:images|original_images)/.+)$", views.serve_image_media),
    path("", include(wagtail_urls)),
]
