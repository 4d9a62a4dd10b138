"""Expense claims in the portal (to be written)."""
from django.http import HttpResponse


def _todo(request, *args, **kwargs):
    return HttpResponse("todo")


expense_list = expense_new = expense_detail = expense_edit = expense_submit = expense_pay = receipt = _todo
