"""Managers' reports on training (placeholder until written)."""
from django.http import Http404


def reports(request):
    raise Http404


export = person = extra_attempt = reports
