"""Views of Knowledge Q&A: they read forms, call ``services`` and render; the rules (who may
do what, duplicates, versions, the trash) live in the services."""
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from knowledge.models import DimensionNode
from stats.services.events import record_view

from .forms import AnswerForm, CommentForm, EditForm, PromoteForm, QuestionForm
from .models import Answer, Question
from .services import promotion, rules, threads
from .services.threads import EditConflict, QAError

PER_PAGE = 20


@require_GET
def question_list(request):
    show = request.GET.get("show", "all")
    show = show if show in threads.FILTERS else "all"
    node = None
    if request.GET.get("node", "").isdigit():
        node = DimensionNode.objects.filter(pk=request.GET["node"]).first()
    page = Paginator(threads.listing(request.user, show, node), PER_PAGE).get_page(request.GET.get("page"))
    return TemplateResponse(request, "qa/list.html", {
        "page_obj": page, "show": show, "node": node, "node_choices": threads.node_choices(),
        "filters": [("all", _("All")), ("unanswered", _("Unanswered")), ("resolved", _("Resolved")),
                    ("mine", _("My questions"))],
        "can_restore": rules.can_restore(request.user),
    })


@require_http_methods(["GET", "POST"])
def ask(request):
    form = QuestionForm(request.POST or None, initial={"token": threads.new_token(), "title": request.GET.get("q", "")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            question, created = threads.ask(request.user, data["title"], data["body"], data["nodes"], data["token"])
        except QAError as error:
            form.add_error(None, error.message)
        else:
            if created:
                messages.success(request, _("Your question was posted; experts of its topics have been told."))
            else:
                messages.info(request, _("This question was already posted; here it is."))
            return redirect(question)
    return TemplateResponse(request, "qa/ask.html", {"form": form})


@require_GET
def similar(request):
    found = threads.similar(request.GET.get("q", ""), request.user)
    if request.GET.get("format") == "json":
        return JsonResponse({"results": [
            {"kind": s.kind, "kind_label": s.kind_label, "title": s.title, "url": s.url, "phrase_html": s.phrase_html,
             "score": s.score} for s in found]})
    return TemplateResponse(request, "qa/_similar.html", {"suggestions": found})


def _question_or_404(request, pk):
    question = threads.visible_question(pk, request.user)
    if question is None:
        raise Http404
    return question


def _detail(request, question, answer_form=None, comment_form=None, comment_on=None, status=200):
    spaces = rules.promotion_spaces(request.user) if not question.promoted_key else []
    context = threads.thread(question, request.user)
    context.update({
        "question": question,
        "answer_form": answer_form or AnswerForm(initial={"token": threads.new_token()}),
        "comment_form": comment_form, "comment_on": comment_on, "new_token": threads.new_token,
        "promote_form": PromoteForm(spaces, auto_id=False) if spaces and not question.is_deleted else None,
        "can_restore": rules.can_restore(request.user),
    })
    return TemplateResponse(request, "qa/detail.html", context, status=status)


@require_GET
def detail(request, pk):
    question = _question_or_404(request, pk)
    record_view(request.user, question.search_key)
    return _detail(request, question)


@require_POST
def answer(request, pk):
    question = _question_or_404(request, pk)
    form = AnswerForm(request.POST)
    if form.is_valid():
        try:
            new, created = threads.answer(question, request.user, form.cleaned_data["body"], form.cleaned_data["token"])
        except QAError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Your answer was posted.") if created
                             else _("This answer was already posted; it was not added twice."))
            return redirect(new.get_absolute_url())
    return _detail(request, question, answer_form=form, status=400)


@require_POST
def comment(request, pk):
    question = _question_or_404(request, pk)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            new, created = threads.comment(question, request.user, form.cleaned_data["body"],
                                           answer=form.cleaned_data["answer"], token=form.cleaned_data["token"])
        except QAError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Your comment was posted.") if created
                             else _("This comment was already posted; it was not added twice."))
            return redirect(new.get_absolute_url())
    target = getattr(form, "cleaned_data", {}).get("answer")
    return _detail(request, question, comment_form=form, comment_on=target or "question", status=400)


@require_POST
def accept(request, pk):
    answer = get_object_or_404(Answer.objects.visible().filter(question__deleted_at__isnull=True), pk=pk)
    try:
        threads.accept(answer, request.user)
    except QAError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("You accepted this answer."))
    return redirect(answer.get_absolute_url())


def _post_or_404(request, kind, pk, deleted=False):
    model = threads.KINDS.get(kind)
    if model is None:
        raise Http404
    posts = model.objects.trashed() if deleted else model.objects.visible()
    if kind != "question":
        posts = posts.select_related("question")
    post = get_object_or_404(posts, pk=pk)
    if not deleted and kind != "question" and post.question.is_deleted:
        raise Http404
    return post


@require_http_methods(["GET", "POST"])
def edit(request, kind, pk):
    post = _post_or_404(request, kind, pk)
    if not rules.can_edit(post, request.user):
        raise PermissionDenied
    form_class = QuestionForm if kind == "question" else EditForm
    initial = {"body": post.body, "version": post.version}
    if kind == "question":
        initial.update(title=post.title, nodes=list(post.nodes.all()))
    form = form_class(request.POST or None, initial=initial)
    current = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved, changed = threads.edit(post, request.user, data.get("version"), data["body"],
                                          title=data.get("title"), nodes=data.get("nodes"))
        except EditConflict as conflict:
            form.add_error(None, conflict.message)
            current = conflict.current
            # The editor's text stays; saving again is now based on the current version.
            form.data = form.data.copy()
            form.data["version"] = current.version
        except QAError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("A new version was saved; the earlier one is kept in the history.") if changed
                             else _("Nothing was changed."))
            return redirect(saved.get_absolute_url())
    return TemplateResponse(request, "qa/edit.html", {
        "form": form, "post": post, "kind": kind, "current": current,
        "question": post if kind == "question" else post.question,
    }, status=409 if current is not None else 200)


@require_http_methods(["GET", "POST"])
def delete(request, kind, pk):
    post = _post_or_404(request, kind, pk)
    if not rules.can_delete(post, request.user):
        raise PermissionDenied
    question = post if kind == "question" else post.question
    if request.method == "POST":
        threads.trash(post, request.user)
        messages.success(request, _("Moved to the trash. A knowledge manager can restore it."))
        return redirect("qa:list" if kind == "question" else question.get_absolute_url())
    return TemplateResponse(request, "qa/delete.html", {"post": post, "kind": kind, "question": question})


@require_GET
def history(request, kind, pk):
    post = _post_or_404(request, kind, pk)
    return TemplateResponse(request, "qa/history.html", {
        "post": post, "kind": kind, "question": post if kind == "question" else post.question,
        "versions": threads.history(post),
    })


@require_GET
def trash(request):
    return TemplateResponse(request, "qa/trash.html", {"rows": threads.trash_rows(request.user)})


@require_POST
def restore(request, kind, pk):
    if not rules.can_restore(request.user):
        raise PermissionDenied
    post = _post_or_404(request, kind, pk, deleted=True)
    try:
        threads.restore(post, request.user)
    except QAError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Restored."))
    return redirect("qa:trash")


@require_POST
def promote(request, pk):
    question = get_object_or_404(Question.objects.visible(), pk=pk)
    spaces = rules.promotion_spaces(request.user)
    if not spaces:
        raise PermissionDenied
    form = PromoteForm(spaces, request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose what to make of the answer and in which space; nothing was promoted."))
        return redirect(question)
    try:
        question, created = promotion.promote(question, form.cleaned_data["answer"], request.user, form.chosen_space(),
                                              form.cleaned_data["target"])
    except QAError as error:
        messages.error(request, error.message)
    else:
        if created:
            messages.success(request, _("The answer was published as “%(title)s”.")
                             % {"title": question.promoted_title})
        else:
            messages.info(request, _("This thread was already promoted; nothing new was made."))
    return redirect(question)
