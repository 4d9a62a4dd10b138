"""Demo review and freshness (KB-03): the standard review workflows on the spaces (two steps,
the space's reviewers then the knowledge managers, in 研究院), one of 张伟's articles waiting for
李娜, a sales article sent back for changes, and review dates so that 张伟 has one item past
its review date and one due soon."""
import datetime

from django.utils import timezone

from knowledge.models import ArticlePage, ReviewSchedule
from knowledge.services.freshness import SOON_DAYS
from knowledge.services.review import assign_review_workflow, ensure_review_workflows
from workflows.services.approvals import act, holders

TWO_STEP_SPACES = {"research"}
SUBMITTED_ADDITION = "（2026 年修订稿：补充了台架试验的安全要求，待审核。）"
SENT_BACK_ADDITION = "（2026 年修订稿：更新了报价流程。）"
SENT_BACK_COMMENT = "请注明报价的有效期，并附上最新的价目表后再提交。"


def _owned(space, user):
    if space is None or user is None:
        return []
    return list(ArticlePage.objects.live().child_of(space).filter(content_owner=user).order_by("pk"))


def _review_dates(articles, today):
    """The first is past its review date, the second due soon, the others later; their last
    verification one interval (a year) before."""
    now = timezone.now()
    for number, article in enumerate(articles):
        if number == 0:
            due = today - datetime.timedelta(days=20)
        elif number == 1:
            due = today + datetime.timedelta(days=7)
        else:
            due = today + datetime.timedelta(days=SOON_DAYS + 30 * number)
        verified = now - datetime.timedelta(days=365 - (due - today).days)
        ReviewSchedule.objects.update_or_create(page_id=article.pk, defaults={
            "review_due": due, "last_verified_at": verified, "last_verified_by": article.content_owner,
            "due_by_hand": None,
        })


def _submit(article, user, addition):
    """A new version of ``article`` by ``user``, submitted to its space's workflow (once: a
    second build finds it under way)."""
    article = ArticlePage.objects.get(pk=article.pk)
    if article.current_workflow_state is not None:
        return article.current_workflow_state
    article.summary = f"{article.summary}{addition}"
    article.save_revision(user=user, log_action=True)
    return article.get_workflow().start(article, user)


def build_review(home, spaces, users):
    """Set up review and freshness on the demo content; returns what it did."""
    one_step, two_step = ensure_review_workflows()
    for slug, space in spaces.items():
        # R&D keeps its editors publishing (its test reports are entered in the portal's forms,
        # which publish); elsewhere editors must submit.
        two = slug in TWO_STEP_SPACES
        assign_review_workflow(space, two_step if two else one_step, editors_publish=two)

    zhangwei = users.get("zhangwei")
    owned = _owned(spaces.get("research"), zhangwei)
    _review_dates(owned, timezone.localdate())
    outcome = {"workflows": [one_step.name, two_step.name], "submitted": None, "sent_back": None}

    # Waiting for 李娜 (研究院's reviewer): not one of the two items due, so both stay listed.
    if len(owned) > 2:
        state = _submit(owned[-1], zhangwei, SUBMITTED_ADDITION)
        outcome["submitted"] = state.pk

    # A sales article sent back with a comment (the sales space has no reviewer of its own:
    # its fallback, the knowledge managers, reviewed it).
    sales = _owned(spaces.get("sales"), users.get("liuyang"))
    if sales:
        state = _submit(sales[0], users["liuyang"], SENT_BACK_ADDITION)
        reviewer = next(iter(holders(state)), None)
        if reviewer is not None and state.status == state.STATUS_IN_PROGRESS:
            act(state, reviewer, "reject", SENT_BACK_COMMENT)
        outcome["sent_back"] = state.pk
    return outcome
