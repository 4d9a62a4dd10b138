"""Expense reimbursement (报销, OA-01): claims with lines and receipts, approval routed by amount
(the department head; finance from 5,000 yuan), payment, and who may see or do what."""
import datetime
import re
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.translation import gettext as _
from wagtail.models import TaskState, WorkflowState

from knowledge.models import KnowledgeDocument
from knowledge.services.documents import run_extraction
from portal import roles
from portal.models import Department, Notification, UserProfile
from search import index
from search.service import search
from workflows.models import ExpenseClaim
from workflows.services import expenses

from . import files
from .factories import make_user

pytestmark = pytest.mark.django_db

NEW = "/approvals/expenses/new/"


@pytest.fixture
def org(portal):
    """总部 (head: boss) above 研究院 (head: lina) and 销售部 (head: liuyang); 客服部 has no head
    and no parent; 赵敏 is the finance manager."""
    hq = Department.objects.create(name="总部", code="hq")
    research = Department.objects.create(name="研究院", code="research", parent=hq)
    sales = Department.objects.create(name="销售部", code="sales", parent=hq)
    service = Department.objects.create(name="客服部", code="service")
    finance = Department.objects.create(name="财务部", code="finance", parent=hq)
    people = SimpleNamespace(
        boss=make_user("boss"), lina=make_user("lina", roles.REVIEWER), zhangwei=make_user("zhangwei", roles.EDITOR),
        xiaoming=make_user("xiaoming"), liuyang=make_user("liuyang", roles.EDITOR), chenjing=make_user("chenjing"),
        zhaomin=make_user("zhaomin", roles.FINANCE_MANAGER), admin=portal.users.admin,
    )
    for user, department in [(people.boss, hq), (people.lina, research), (people.zhangwei, research),
                             (people.xiaoming, research), (people.liuyang, sales), (people.chenjing, service),
                             (people.zhaomin, finance)]:
        UserProfile.objects.create(user=user, department=department)
    Department.objects.filter(pk=hq.pk).update(head=people.boss)
    Department.objects.filter(pk=research.pk).update(head=people.lina)
    Department.objects.filter(pk=sales.pk).update(head=people.liuyang)
    expenses.ensure_expense_workflow()
    return people


def claim_form(lines, title="差旅报销", token="", **extra):
    """POST data of the claim form. ``lines``: dicts of line fields (amount, description...),
    optionally ``id`` of an existing line, ``DELETE``, ``receipt_file``."""
    data = {"title": title, "purpose": "出差", "form_token": token,
            "lines-TOTAL_FORMS": str(len(lines)), "lines-INITIAL_FORMS": str(sum(1 for x in lines if x.get("id"))),
            "lines-MIN_NUM_FORMS": "0", "lines-MAX_NUM_FORMS": "1000", **extra}
    for number, line in enumerate(lines):
        values = {"id": "", "spent_on": "2026-11-02", "category": "travel", "description": "机票", **line}
        for name, value in values.items():
            data[f"lines-{number}-{name}"] = value
    return data


def create(client, amounts, submit=False, **kwargs):
    data = claim_form([{"amount": str(a), "description": f"第{i + 1}项"} for i, a in enumerate(amounts)], **kwargs)
    if submit:
        data["submit"] = "1"
    response = client.post(NEW, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    return ExpenseClaim.objects.get(pk=response.url.rstrip("/").split("/")[-1])


def state_of(claim):
    return expenses.latest_workflow_state(claim)


def holders(claim):
    from workflows.services.approvals import holders as current_holders

    return {u.username for u in current_holders(state_of(claim))}


def act(client, claim, action, comment=""):
    return client.post(reverse("workflows:approval", args=[state_of(claim).pk]), {"action": action, "comment": comment},
                       follow=True)


def page(response):
    return response.content.decode()


def test_below_the_threshold_only_the_head_approves(org, client_for):
    client = client_for(org.xiaoming)
    claim = create(client, [Decimal("4000"), Decimal("999.99")], submit=True)
    assert claim.number.startswith(f"BX-{datetime.date.today().year}-") and claim.total == Decimal("4999.99")
    assert claim.department.code == "research" and not claim.live
    assert holders(claim) == {"lina"}
    assert Notification.objects.filter(user=org.lina, verb="approval_requested").count() == 1

    response = act(client_for(org.lina), claim, "approve")
    assert _("Approved.") in page(response)
    claim.refresh_from_db()
    assert claim.live and not claim.is_paid
    assert expenses.claim_status(claim).code == expenses.APPROVED
    steps = list(state_of(claim).task_states.order_by("started_at", "pk"))
    assert [s.status for s in steps] == [TaskState.STATUS_APPROVED, TaskState.STATUS_SKIPPED]
    assert "5000" in steps[1].comment  # the skip reason
    assert Notification.objects.filter(user=org.xiaoming, verb="approval_approved").count() == 1
    detail = page(client_for(org.xiaoming).get(claim.get_absolute_url()))
    assert steps[1].comment in detail and _("Approved, unpaid") in detail


def test_at_the_threshold_the_head_then_finance_approves(org, client_for):
    claim = create(client_for(org.zhangwei), [Decimal("3000"), Decimal("2000")], submit=True)
    assert claim.total == Decimal("5000")
    assert holders(claim) == {"lina"}
    act(client_for(org.lina), claim, "approve")
    claim.refresh_from_db()
    assert not claim.live and holders(claim) == {"zhaomin"}
    status = expenses.claim_status(claim)
    assert status.code == expenses.IN_REVIEW and status.step == expenses.FINANCE_TASK_NAME
    assert Notification.objects.filter(user=org.zhaomin, verb="approval_requested").count() == 1
    listing = page(client_for(org.zhangwei).get(reverse("workflows:expense_list")))
    assert expenses.FINANCE_TASK_NAME in listing and "zhaomin" in listing
    # The head decided her step; the finance step is not hers.
    assert _("You cannot do that on this request.") in page(act(client_for(org.lina), claim, "approve"))
    assert holders(claim) == {"zhaomin"}

    act(client_for(org.zhaomin), claim, "approve", "票据齐全")
    claim.refresh_from_db()
    assert claim.live
    assert [s.finished_by for s in state_of(claim).task_states.order_by("started_at", "pk")] == [org.lina, org.zhaomin]


def test_a_heads_own_claim_goes_to_the_parent_departments_head(org, client_for):
    claim = create(client_for(org.lina), [Decimal("800")], submit=True)
    assert holders(claim) == {"boss"}


def test_without_any_head_finance_approves_in_place_of_the_head(org, client_for):
    claim = create(client_for(org.chenjing), [Decimal("300")], submit=True)
    assert claim.department.code == "service"
    assert holders(claim) == {"zhaomin"}
    act(client_for(org.zhaomin), claim, "approve")
    claim.refresh_from_db()
    assert claim.live


def test_people_who_do_not_hold_the_step_cannot_approve(org, client_for):
    claim = create(client_for(org.xiaoming), [Decimal("6000")], submit=True)
    url = reverse("workflows:approval", args=[state_of(claim).pk])
    # Another department's head and a colleague do not even see the request.
    for user in (org.liuyang, org.zhangwei, org.boss):
        client = client_for(user)
        assert client.get(url).status_code == 404
        assert client.post(url, {"action": "approve"}).status_code == 404
        assert client.get(claim.get_absolute_url()).status_code == 404
    # The requester and finance (who sees every claim) see it but cannot decide this step.
    for user in (org.xiaoming, org.zhaomin):
        client = client_for(user)
        assert client.get(url).status_code == 200
        response = client.post(url, {"action": "approve"}, follow=True)
        assert _("You cannot do that on this request.") in page(response)
    state = state_of(claim)
    assert state.status == WorkflowState.STATUS_IN_PROGRESS
    assert state.task_states.get().status == TaskState.STATUS_IN_PROGRESS and holders(claim) == {"lina"}
    claim.refresh_from_db()
    assert not claim.live


def test_changes_requested_then_edited_and_resubmitted_goes_through_again(org, client_for):
    requester, head = client_for(org.xiaoming), None
    claim = create(requester, [Decimal("1200")], submit=True)
    head = client_for(org.lina)
    response = act(head, claim, "reject")  # "request changes" needs a reason
    assert _("Please write why, so the requester knows what to change.") in page(response)
    assert state_of(claim).status == WorkflowState.STATUS_IN_PROGRESS
    act(head, claim, "reject", "缺少酒店发票")
    status = expenses.claim_status(claim)
    assert status.code == expenses.NEEDS_CHANGES and status.comment == "缺少酒店发票"
    assert Notification.objects.filter(user=org.xiaoming, verb="approval_changes").count() == 1

    requester = client_for(org.xiaoming)
    detail = page(requester.get(claim.get_absolute_url()))
    assert "缺少酒店发票" in detail and reverse("workflows:expense_edit", args=[claim.pk]) in detail
    line = claim.lines.get()
    data = claim_form([{"id": str(line.pk), "amount": "1200", "description": "酒店"},
                       {"amount": "300", "description": "酒店（补）"}], title="差旅报销（补发票）")
    data["submit"] = "1"
    response = requester.post(reverse("workflows:expense_edit", args=[claim.pk]), data)
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.title == "差旅报销（补发票）" and claim.total == Decimal("1500") and claim.lines.count() == 2
    assert claim.revisions.count() == 2  # every save is kept
    assert expenses.claim_status(claim).code == expenses.IN_REVIEW and holders(claim) == {"lina"}
    assert Notification.objects.filter(user=org.lina, verb="approval_requested").count() == 2
    act(client_for(org.lina), claim, "approve")
    claim.refresh_from_db()
    assert claim.live and claim.total == Decimal("1500")
    assert claim.live_revision.as_object().title == "差旅报销（补发票）"


def test_a_rejected_claim_is_final(org, client_for):
    requester = client_for(org.xiaoming)
    claim = create(requester, [Decimal("900")], submit=True)
    act(client_for(org.lina), claim, "decline", "与工作无关")
    status = expenses.claim_status(claim)
    assert status.code == expenses.REJECTED and status.comment == "与工作无关"
    assert Notification.objects.filter(user=org.xiaoming, verb="approval_rejected").count() == 1
    requester = client_for(org.xiaoming)
    response = requester.post(reverse("workflows:expense_submit", args=[claim.pk]), follow=True)
    assert str(_("This claim is %(status)s and cannot be submitted.") % {"status": str(_("Rejected")).lower()}) \
        in page(response)
    assert requester.get(reverse("workflows:expense_edit", args=[claim.pk])).status_code == 302
    assert claim.workflow_states.count() == 1


def test_double_submissions_and_double_approvals_change_nothing(org, client_for):
    requester = client_for(org.xiaoming)
    data = claim_form([{"amount": "100"}], token="tok-1")
    first, second = requester.post(NEW, data), requester.post(NEW, data)
    assert first.url == second.url and ExpenseClaim.objects.count() == 1
    claim = ExpenseClaim.objects.get()

    submit = reverse("workflows:expense_submit", args=[claim.pk])
    requester.post(submit)
    response = requester.post(submit, follow=True)
    assert _("This claim is already in review; nothing was sent again.") in page(response)
    assert claim.workflow_states.count() == 1

    head = client_for(org.lina)
    act(head, claim, "approve")
    response = act(head, claim, "approve")
    assert _("This request has already been decided.") in page(response)
    assert state_of(claim).task_states.filter(status=TaskState.STATUS_APPROVED).count() == 1
    assert Notification.objects.filter(user=org.xiaoming, verb="approval_approved").count() == 1


def test_approving_twice_at_once_decides_once(org):
    """Two approvers' requests racing: the step is locked, the second finds it decided."""
    from workflows.services import approvals

    claim = create_directly(org.xiaoming, "700")
    expenses.submit(claim, org.xiaoming)
    state = state_of(claim)
    approvals.act(state, org.lina, "approve")
    with pytest.raises(approvals.ApprovalError):
        approvals.act(state, org.admin, "approve")


def create_directly(user, *amounts):
    from workflows.models import ExpenseLine

    claim = ExpenseClaim(title="报销")
    for amount in amounts:
        claim.lines.add(ExpenseLine(spent_on=datetime.date(2026, 11, 2), description="费用", amount=Decimal(amount)))
    return expenses.save_claim(user, claim)[0]


def test_numbers_follow_each_other_and_the_workflow_is_set_up_once(org):
    first, second = create_directly(org.xiaoming, "10"), create_directly(org.zhangwei, "20")
    year = datetime.date.today().year
    assert (first.number, second.number) == (f"BX-{year}-0001", f"BX-{year}-0002")
    workflow = expenses.ensure_expense_workflow()
    assert expenses.ensure_expense_workflow() == workflow
    assert [t.specific.__class__.__name__ for t in workflow.tasks] == ["DepartmentHeadTask", "AmountThresholdTask"]
    assert workflow.tasks.last().specific.threshold == Decimal("5000")
    assert ExpenseClaim.get_default_workflow() == workflow


def test_two_claims_numbered_at_once_get_different_numbers(org, monkeypatch):
    """The second of two concurrent creations picks the number the first just took: the unique
    column refuses it and the next number is used."""
    first = create_directly(org.xiaoming, "10")
    real = expenses._next_number
    answers = iter([first.number])
    monkeypatch.setattr(expenses, "_next_number", lambda year: next(answers, None) or real(year))
    second = create_directly(org.zhangwei, "20")
    assert second.number != first.number and second.number.endswith("0002")


def test_only_the_workflow_approves(org):
    """Publishing is approving: a head holds no model-wide "publish" right outside the workflow."""
    from wagtail.actions.publish_revision import PublishPermissionError

    claim = create_directly(org.xiaoming, "10")
    with pytest.raises(PublishPermissionError):
        claim.get_latest_revision().publish(user=org.lina)
    claim.refresh_from_db()
    assert not claim.live


def test_withdrawing_makes_a_draft_again(org, client_for):
    requester = client_for(org.xiaoming)
    claim = create(requester, [Decimal("50")], submit=True)
    response = requester.post(reverse("workflows:expense_withdraw", args=[claim.pk]), follow=True)
    assert _("Withdrawn: the claim is a draft again.") in page(response)
    assert expenses.claim_status(claim).code == expenses.WITHDRAWN
    assert client_for(org.lina).get(reverse("workflows:approval", args=[state_of(claim).pk])).status_code == 200
    requester = client_for(org.xiaoming)
    requester.post(reverse("workflows:expense_submit", args=[claim.pk]))
    assert expenses.claim_status(claim).code == expenses.IN_REVIEW and claim.workflow_states.count() == 2


def test_finance_marks_an_approved_claim_paid_once(org, client_for):
    claim = create(client_for(org.xiaoming), [Decimal("100")], submit=True)
    pay = reverse("workflows:expense_pay", args=[claim.pk])
    finance = client_for(org.zhaomin)
    response = finance.post(pay, {"payment_reference": "T-1"}, follow=True)
    assert _("Only an approved claim can be paid.") in page(response)
    act(client_for(org.lina), claim, "approve")

    assert client_for(org.lina).post(pay).status_code == 403  # an approver, not finance
    assert client_for(org.zhangwei).post(pay).status_code == 404  # cannot even see it
    claim.refresh_from_db()
    assert not claim.is_paid

    finance = client_for(org.zhaomin)
    assert claim.number in page(finance.get(reverse("workflows:expense_list") + "?tab=pay"))
    finance.post(pay, {"payment_reference": "网银 20261201-7"})
    response = finance.post(pay, {"payment_reference": "again"}, follow=True)
    assert _("This claim was already paid on %(date)s.").split("%")[0] in page(response)
    claim.refresh_from_db()
    assert claim.is_paid and claim.paid_by == org.zhaomin and claim.payment_reference == "网银 20261201-7"
    assert expenses.claim_status(claim).code == expenses.PAID
    assert claim.number not in page(finance.get(reverse("workflows:expense_list") + "?tab=pay"))
    assert Notification.objects.filter(user=org.xiaoming, verb="claim_paid").count() == 1
    assert _("Paid on %(when)s").split("%")[0].strip() in page(client_for(org.xiaoming).get(claim.get_absolute_url()))


def test_claims_are_closed_to_the_wrong_people(org, client_for):
    claim = create(client_for(org.xiaoming), [Decimal("100")])
    urls = {name: reverse(f"workflows:expense_{name}", args=[claim.pk])
            for name in ("detail", "edit", "submit", "withdraw", "pay")}
    colleague = client_for(org.zhangwei)
    assert not colleague.get(reverse("workflows:expense_list")).context["rows"]
    assert colleague.get(reverse("workflows:expense_list") + "?tab=pay").context["tab"] == "mine"
    for name, url in urls.items():
        response = colleague.get(url) if name in ("detail", "edit") else colleague.post(url)
        assert response.status_code == 404, name
    # Finance sees every claim but edits, submits and withdraws none of them.
    finance = client_for(org.zhaomin)
    assert finance.get(urls["detail"]).status_code == 200
    assert finance.get(urls["edit"]).status_code == 403
    assert finance.post(urls["submit"]).status_code == 403
    assert finance.post(urls["edit"], claim_form([{"amount": "1"}])).status_code == 403
    # Actions are POST only: a link cannot submit or pay.
    assert client_for(org.xiaoming).get(urls["submit"]).status_code == 405
    assert not claim.workflow_states.exists()
    claim.refresh_from_db()
    assert claim.total == Decimal("100")


def test_a_claim_in_review_or_approved_is_read_only(org, client_for):
    requester = client_for(org.xiaoming)
    claim = create(requester, [Decimal("100")], submit=True)
    edit = reverse("workflows:expense_edit", args=[claim.pk])
    line = claim.lines.get()
    response = requester.post(edit, claim_form([{"id": str(line.pk), "amount": "99999"}]), follow=True)
    assert _("This claim can no longer be edited.") in page(response)
    claim.refresh_from_db()
    assert claim.total == Decimal("100") and claim.revisions.count() == 1


@pytest.mark.parametrize("line, message", [
    ({"amount": "0"}, "The amount must be more than 0 yuan."),
    ({"amount": "-5"}, "The amount must be more than 0 yuan."),
    ({"amount": "10", "description": ""}, "Describe the expense."),
    ({"amount": "abc"}, None),
])
def test_bad_lines_are_refused_with_a_message_and_the_form_kept(org, client_for, line, message):
    response = client_for(org.xiaoming).post(NEW, claim_form([line], title="保留的标题"))
    assert response.status_code == 200
    body = page(response)
    assert _("Please correct the errors below; nothing was saved.") in body
    if message:
        assert _(message) in body
    assert "保留的标题" in body
    assert not ExpenseClaim.objects.exists()


def test_a_claim_needs_at_least_one_line(org, client_for):
    response = client_for(org.xiaoming).post(NEW, claim_form([{"amount": "", "description": "", "spent_on": "",
                                                               "category": "other"}]))
    assert _("Add at least one expense line.") in page(response)
    assert not ExpenseClaim.objects.exists()


def with_receipt(client, upload, submit=False, title="出租车报销", amount="186.50"):
    data = claim_form([{"amount": amount, "description": "出租车", "receipt_file": upload}], title=title)
    if submit:
        data["submit"] = "1"
    return client.post(NEW, data)


def test_receipts_are_shown_to_the_claims_viewers_only(org, client_for):
    pdf = files.pdf("上海强生出租汽车发票 金额 186.50 元", pages=1)
    response = with_receipt(client_for(org.xiaoming), SimpleUploadedFile("发票.pdf", pdf), submit=True)
    claim = ExpenseClaim.objects.get(pk=response.url.rstrip("/").split("/")[-1])
    document = claim.lines.get().receipt
    assert document.collection.name == expenses.RECEIPTS_COLLECTION
    assert document.versions.count() == 1  # recorded like every document, so its text is extracted
    run_extraction(document.current_version)
    document.refresh_from_db()
    assert "强生" in document.extracted_text
    index.update_object(document)

    # A colleague finds it nowhere: not in search, not at the document's own address.
    assert document.title not in [h.title for h in search(org.zhangwei, "强生", log=False).hits]
    assert client_for(org.zhangwei).get(document.url).status_code != 200
    assert client_for(org.zhangwei).get(reverse("workflows:expense_receipt",
                                                args=[claim.pk, claim.lines.get().pk])).status_code == 404
    # Finance may find receipts anywhere.
    assert document.title in [h.title for h in search(org.zhaomin, "强生", log=False).hits]
    assert client_for(org.zhaomin).get(document.url).status_code == 200
    # The approver opens it through the claim, from the approval page.
    head = client_for(org.lina)
    assert head.get(document.url).status_code != 200
    receipt_url = reverse("workflows:expense_receipt", args=[claim.pk, claim.lines.get().pk])
    assert receipt_url in page(head.get(reverse("workflows:approval", args=[state_of(claim).pk])))
    response = head.get(receipt_url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == pdf


@pytest.mark.parametrize("name, content, message", [
    ("空.pdf", b"", ("is empty", "是空文件")),
    ("大.pdf", b"%PDF-1.7 " + b"x" * 5000, ("a receipt may be at most", "凭证文件最大为")),
    ("坏.pdf", b"this is not a pdf at all", ("it may be damaged", "可能已损坏")),
    ("发票.exe", b"MZ\x90\x00", ("is not a receipt format", "不是可接受的凭证格式")),
])
def test_bad_receipt_files_are_refused_and_the_rest_of_the_form_is_kept(org, client_for, settings, name, content,
                                                                        message):
    settings.ZHIKU_RECEIPT_MAX_BYTES = 4000
    response = with_receipt(client_for(org.xiaoming), SimpleUploadedFile(name, content), title="十一月出租车",
                            amount="77.70")
    assert response.status_code == 200
    body = page(response)
    assert name in body and "十一月出租车" in body and "77.70" in body
    assert _("Receipt files are not kept when the form has errors: choose them again.") in body
    assert any(text in body for text in message)  # English or 中文, whichever the site speaks
    assert not ExpenseClaim.objects.exists() and not KnowledgeDocument.objects.exists()


def test_a_receipt_can_be_replaced_or_removed_while_editing(org, client_for):
    client = client_for(org.xiaoming)
    response = with_receipt(client, SimpleUploadedFile("a.txt", "出租车 50 元".encode()))
    claim = ExpenseClaim.objects.get(pk=response.url.rstrip("/").split("/")[-1])
    line = claim.lines.get()
    first = line.receipt
    edit = reverse("workflows:expense_edit", args=[claim.pk])
    client.post(edit, claim_form([{"id": str(line.pk), "amount": "50",
                                   "receipt_file": SimpleUploadedFile("b.png", b"\x89PNG\r\n\x1a\n....")}]))
    line.refresh_from_db()
    assert line.receipt != first and line.receipt.filename.endswith(".png")
    client.post(edit, claim_form([{"id": str(line.pk), "amount": "50", "remove_receipt": "on"}]))
    line.refresh_from_db()
    assert line.receipt is None
    assert KnowledgeDocument.objects.filter(pk=first.pk).exists()  # older versions of the claim refer to it


def test_the_admin_shows_claims_read_only_to_finance_only(org, client_for):
    from .utils import assert_refused

    claim = create(client_for(org.xiaoming), [Decimal("6000")], submit=True)
    act(client_for(org.lina), claim, "approve")  # now finance holds the step
    name = "wagtailsnippets_workflows_expenseclaim"
    read = {view: reverse(f"{name}:{view}", args=[claim.pk]) for view in ("inspect", "history", "workflow_history")}
    read["list"] = reverse(f"{name}:list")
    revision = claim.get_latest_revision().pk
    read["usage"] = reverse(f"{name}:usage", args=[claim.pk])
    read["revisions_compare"] = reverse(f"{name}:revisions_compare", args=[claim.pk, "earliest", revision])
    read["workflow_history_detail"] = reverse(f"{name}:workflow_history_detail", args=[claim.pk, state_of(claim).pk])
    write = {view: reverse(f"{name}:{view}", args=[claim.pk]) for view in ("edit", "delete", "copy")}
    write["add"] = reverse(f"{name}:add")
    write.update({view: reverse(f"{name}:{view}", args=[claim.pk]) for view in ("lock", "unlock", "unpublish")})
    write["revisions_revert"] = reverse(f"{name}:revisions_revert", args=[claim.pk, revision])
    task_state = state_of(claim).current_task_state_id
    write["workflow_action"] = reverse(f"{name}:workflow_action", args=[claim.pk, "approve", task_state])
    chooser = reverse("wagtailsnippetchoosers_workflows_expenseclaim:choose")

    finance = client_for(org.zhaomin)
    for view, url in read.items():
        response = finance.get(url)
        assert response.status_code == 200, view
    assert claim.number in page(finance.get(read["list"]))
    for view, url in write.items():  # finance holds the step, yet edits nothing in the admin
        assert_refused(finance.get(url))
    assert_refused(finance.post(write["edit"], {"title": "改过"}))
    assert_refused(finance.post(write["lock"]))
    assert_refused(finance.post(write["workflow_action"], {"comment": ""}))  # approvals happen in the portal

    # A head with admin access (who approved it) and an editor see nothing of it.
    for user in (org.lina, org.zhangwei):
        client = client_for(user)
        for view, url in {**read, **write}.items():
            assert_refused(client.get(url))
        assert_refused(client.get(chooser))
    # Superusers read; they do not edit either.
    admin = client_for(org.admin)
    assert admin.get(read["history"]).status_code == 200
    assert_refused(admin.get(write["edit"]))
    claim.refresh_from_db()
    assert claim.title == "差旅报销" and not claim.live and not claim.locked and holders(claim) == {"zhaomin"}

    # The workflow is assigned to expense claims, visible under Settings → Workflows.
    workflow = ExpenseClaim.get_default_workflow()
    body = page(admin.get(reverse("wagtailadmin_workflows:edit", args=[workflow.pk])))
    assert re.search(rf'name="content_types" value="{ExpenseClaim.get_content_type().pk}"[^>]*checked', body)


def test_demo_expenses(org, portal):
    from portal.services.demo_expenses import build_expenses

    departments = {d.code: d for d in Department.objects.all()}
    Department.objects.filter(code="hq").update(head=None)  # as in the demo: 总部 has no head
    org.zhaomin.groups.remove(Group.objects.get(name=roles.FINANCE_MANAGER))
    users = {u.username: u for u in (org.lina, org.zhangwei, org.xiaoming, org.liuyang, org.chenjing, org.zhaomin)}
    claims = {name: ExpenseClaim.objects.get(pk=claim.pk) for name, claim in build_expenses(users, departments).items()}
    code = {name: expenses.claim_status(claim).code for name, claim in claims.items()}
    assert code == {"waiting_head": expenses.IN_REVIEW, "waiting_finance": expenses.IN_REVIEW,
                    "approved": expenses.APPROVED, "paid": expenses.PAID, "changes": expenses.NEEDS_CHANGES}
    assert holders(claims["waiting_head"]) == {"lina"} and holders(claims["waiting_finance"]) == {"zhaomin"}
    assert claims["waiting_finance"].total == Decimal("12800")
    assert all(line.receipt for line in claims["waiting_finance"].lines.all())
    assert org.zhaomin.groups.filter(name=roles.FINANCE_MANAGER).exists()


def test_editing_a_draft_adds_and_deletes_lines_and_keeps_each_version(org, client_for):
    client = client_for(org.xiaoming)
    claim = create(client, [Decimal("10"), Decimal("20")])
    first, second = claim.lines.order_by("sort_order")
    response = client.post(reverse("workflows:expense_edit", args=[claim.pk]), claim_form([
        {"id": str(first.pk), "amount": "10", "description": "第1项"},
        {"id": str(second.pk), "amount": "20", "description": "第2项", "DELETE": "on"},
        {"amount": "30.5", "description": "第3项"},
    ]))
    assert response.status_code == 302
    claim.refresh_from_db()
    assert [(line.description, line.amount) for line in claim.lines.order_by("sort_order")] == [
        ("第1项", Decimal("10")), ("第3项", Decimal("30.5"))]
    assert claim.total == Decimal("40.5") and claim.revisions.count() == 2
    assert claim.revisions.order_by("pk").first().as_object().total == Decimal("30")
