from django.urls import path

from . import views

app_name = "structured"
urlpatterns = [
    path("", views.form_list, name="list"),
    path("new/", views.form_create, name="create"),
    path("<int:form_id>/", views.table, name="table"),
    path("<int:form_id>/design/", views.form_design, name="design"),
    path("<int:form_id>/new/", views.item_create, name="item_create"),
    path("<int:form_id>/export.xlsx", views.export, name="export"),
    path("items/<int:item_id>/edit/", views.item_edit, name="item_edit"),
]
