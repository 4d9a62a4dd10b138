"""The JSON API for logged-in users (session cookie or a Wagtail API token), with an OpenAPI
schema at /api/openapi.json; each app adds its router."""
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI
from ninja.security import django_auth
from wagtail.api.v3.auth import BearerTokenAuth

from faq.api import router as faq_router
from search.api import router as search_router

api = NinjaAPI(
    title="Zhiku API", version="1", urls_namespace="api",
    auth=[BearerTokenAuth(), django_auth],
    docs_url=None,  # the interactive docs load assets from a CDN; the intranet has no internet
    description=str(_("Search the knowledge base and match questions to FAQ answers as the authenticated user.")),
)
api.add_router("/search/", search_router)
api.add_router("/faq/", faq_router)


def _open_to_api_auth(patterns):
    for pattern in patterns:
        if hasattr(pattern, "url_patterns"):
            _open_to_api_auth(pattern.url_patterns)
        elif getattr(pattern, "callback", None) is not None:
            pattern.callback.login_required = False


def api_urls():
    """The API's URLs for ``path()``. They answer 401 themselves: the site-wide redirect to the
    login page would hide that from API clients."""
    patterns, app_name, namespace = api.urls
    _open_to_api_auth(patterns)
    return patterns, app_name, namespace
