from django.http import Http404


def my_learning(request, **kwargs):
    raise Http404


enrollment = step = open_item = confirm = quiz = attempt_result = path_overview = my_learning
