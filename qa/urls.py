from django.urls import path, re_path

from . import views

app_name = "qa"
KIND = r"(?P<kind>question|answer|comment)"
urlpatterns = [
    path("", views.question_list, name="list"),
    path("ask/", views.ask, name="ask"),
    path("similar/", views.similar, name="similar"),
    path("trash/", views.trash, name="trash"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/answer/", views.answer, name="answer"),
    path("<int:pk>/comment/", views.comment, name="comment"),
    path("<int:pk>/promote/", views.promote, name="promote"),
    path("answers/<int:pk>/accept/", views.accept, name="accept"),
    re_path(rf"^{KIND}/(?P<pk>\d+)/edit/$", views.edit, name="edit"),
    re_path(rf"^{KIND}/(?P<pk>\d+)/delete/$", views.delete, name="delete"),
    re_path(rf"^{KIND}/(?P<pk>\d+)/history/$", views.history, name="history"),
    re_path(rf"^{KIND}/(?P<pk>\d+)/restore/$", views.restore, name="restore"),
]
