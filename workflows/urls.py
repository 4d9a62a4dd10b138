from django.urls import path

from . import expense_views, views

app_name = "workflows"
urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/", views.detail, name="approval"),
    path("expenses/", expense_views.expense_list, name="expense_list"),
    path("expenses/new/", expense_views.expense_new, name="expense_new"),
    path("expenses/<int:pk>/", expense_views.expense_detail, name="expense_detail"),
    path("expenses/<int:pk>/edit/", expense_views.expense_edit, name="expense_edit"),
    path("expenses/<int:pk>/submit/", expense_views.expense_submit, name="expense_submit"),
    path("expenses/<int:pk>/withdraw/", expense_views.expense_withdraw, name="expense_withdraw"),
    path("expenses/<int:pk>/pay/", expense_views.expense_pay, name="expense_pay"),
    path("expenses/<int:pk>/lines/<int:line_id>/receipt/", expense_views.receipt, name="expense_receipt"),
]
