"""Portal views of the FAQ: the answer finder for agents, feedback on answers, and the
knowledge team's list of unanswered questions and outdated flags. Rules live in ``services``."""
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from knowledge.models import DimensionNode

from .models import Channel, FAQEntryPage, UnansweredQuestion
from .services import entries, feedback, review
from .services.finder import find_answers


def _node_filter(request):
    return [int(n) for n in request.GET.getlist("node") if n.isdigit()]


@require_GET
def finder(request):
    """Type or paste the customer's question; the best answers come first. A live request
    (the page's script, while typing) is never taken as an unanswered question."""
    question = request.GET.get("q", "").strip()
    nodes = _node_filter(request)
    live = request.GET.get("live") == "1"
    answers = find_answers(request.user, question, nodes=nodes) if question else []
    if question and not answers and not live:
        feedback.record_unanswered(question, request.user, Channel.PORTAL)
    template = "faq/_results.html" if live else "faq/finder.html"
    return TemplateResponse(request, template, {
        "question": question, "answers": answers, "selected_nodes": nodes,
        "filter_nodes": DimensionNode.objects.filter(faq_entries__live=True).distinct().select_related("dimension"),
        "can_review": review.can_review(request.user),
    })


def _readable_entry(request, pk):
    return get_object_or_404(FAQEntryPage.objects.live().readable_by(request.user), pk=pk)


def _back(request, fallback):
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(target)
    return redirect(fallback)


def _wants_json(request):
    return "application/json" in request.headers.get("Accept", "")


@require_POST
def vote(request, pk):
    entry = _readable_entry(request, pk)
    helpful = request.POST.get("helpful")
    if helpful not in ("1", "0"):
        return JsonResponse({"error": _("Say whether the answer helped.")}, status=400)
    feedback.vote(entry, helpful == "1", user=request.user, channel=Channel.PORTAL)
    if _wants_json(request):
        return JsonResponse(feedback.vote_summary(entry))
    messages.success(request, _("Thank you: your vote is counted."))
    return _back(request, entry.url)


@require_POST
def flag_outdated(request, pk):
    entry = _readable_entry(request, pk)
    feedback.flag_outdated(entry, request.user, request.POST.get("comment", ""))
    if _wants_json(request):
        return JsonResponse({"flagged": True})
    messages.success(request, _("Thank you: the owner of this answer has been told."))
    return _back(request, entry.url)


@require_POST
def report_unanswered(request):
    question = feedback.record_unanswered(request.POST.get("q", ""), request.user, Channel.PORTAL)
    if question is None:
        messages.error(request, _("Type the question first."))
    else:
        messages.success(request, _("The knowledge team will see this question."))
    return redirect(f"{reverse('faq:finder')}?q={request.POST.get('q', '')[:200]}")


@require_GET
def review_list(request):
    """Unanswered questions (for the knowledge team) and open outdated flags (the team sees
    all of them, owners those of their own entries)."""
    if not review.can_review(request.user):
        raise PermissionDenied
    return TemplateResponse(request, "faq/review.html", review.overview(request.user))


@require_POST
def resolve_flags(request, pk):
    entry = _readable_entry(request, pk)
    if not review.can_resolve(request.user, entry):
        raise PermissionDenied
    count = feedback.resolve_flags(entry, request.user)
    messages.success(request, _("%(count)d flag(s) resolved.") % {"count": count})
    return _back(request, reverse("faq:review"))


@require_POST
def unanswered_action(request, pk):
    if not review.can_manage(request.user):
        raise PermissionDenied
    question = get_object_or_404(UnansweredQuestion, pk=pk)
    action = request.POST.get("action")
    if action == "dismiss":
        feedback.close_unanswered(question, request.user, UnansweredQuestion.Status.DISMISSED)
        messages.success(request, _("Dismissed."))
        return redirect("faq:review")
    if action == "draft":
        space = next((s for s in entries.spaces_for_adding(request.user) if str(s.pk) == request.POST.get("space")),
                     None)
        if space is None:
            messages.error(request, _("Choose a space where you may publish."))
            return redirect("faq:review")
        draft = review.draft_from_unanswered(question, space, request.user)
        return redirect("wagtailadmin_pages:edit", draft.pk)
    messages.error(request, _("Unknown action."))
    return redirect("faq:review")
