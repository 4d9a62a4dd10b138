from django.urls import path

from . import freshness_views, views

app_name = "knowledge"
urlpatterns = [
    path(
        "documents/<int:document_id>/versions/<int:number>/download/",
        views.document_version_download,
        name="document_version_download",
    ),
    path("reviews/", freshness_views.reviews, name="reviews"),
    path("reviews/<int:page_id>/verify/", freshness_views.verify, name="verify"),
]
