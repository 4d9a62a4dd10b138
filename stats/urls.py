from django.urls import path, re_path

from . import views

app_name = "stats"
urlpatterns = [
    path("", views.dashboard, name="stock"),
    re_path(r"^(?P<name>stock|usage|contribution|search|training)/$", views.dashboard, name="dashboard"),
    re_path(r"^(?P<name>stock|usage|contribution|search|training)/(?P<table>[a-z]+)\.(?P<fmt>csv|xlsx)$", views.export,
            name="export"),
]
