from django.urls import path

from . import report_views, views

app_name = "training"

step = "<int:enrollment_id>/steps/<int:step_id>/"

urlpatterns = [
    path("", views.my_learning, name="mine"),
    path("<int:enrollment_id>/", views.enrollment, name="enrollment"),
    path(step, views.step, name="step"),
    path(step + "open/", views.open_item, name="open"),
    path(step + "confirm/", views.confirm, name="confirm"),
    path(step + "quiz/", views.quiz, name="quiz"),
    path(step + "quiz/<int:attempt_id>/", views.attempt_result, name="attempt"),
    path("paths/<int:path_id>/", views.path_overview, name="path"),
    path("reports/", report_views.reports, name="reports"),
    path("reports/export/", report_views.export, name="export"),
    path("reports/people/<int:user_id>/", report_views.person, name="person"),
    path("reports/progress/<int:progress_id>/extra-attempt/", report_views.extra_attempt, name="extra_attempt"),
]
