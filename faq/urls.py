from django.urls import path

from . import views

app_name = "faq"
urlpatterns = [
    path("", views.finder, name="finder"),
    path("unanswered/", views.report_unanswered, name="report_unanswered"),
    path("review/", views.review_list, name="review"),
    path("review/unanswered/<int:pk>/", views.unanswered_action, name="unanswered_action"),
    path("entries/<int:pk>/vote/", views.vote, name="vote"),
    path("entries/<int:pk>/outdated/", views.flag_outdated, name="flag_outdated"),
    path("entries/<int:pk>/resolve/", views.resolve_flags, name="resolve_flags"),
]
