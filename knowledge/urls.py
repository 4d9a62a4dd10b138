from django.urls import path

from . import views

app_name = "knowledge"
urlpatterns = [
    path(
        "documents/<int:document_id>/versions/<int:number>/download/",
        views.document_version_download,
        name="document_version_download",
    ),
]
