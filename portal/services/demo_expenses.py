"""Demo expense claims (报销) at every stage of the approval, so the approval pages, the claim
pages and finance's payment list have something to show. Called once the demo users exist."""
import datetime
from decimal import Decimal

from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.db import transaction

from portal import roles
from portal.demo.files import make_pdf
from workflows.models import ExpenseClaim, ExpenseLine
from workflows.services import approvals, expenses

# Department slug -> the demo user who heads it, for departments that have no head yet
# (研究院 already has 李娜). 总部 keeps none: its requests fall back to finance.
HEADS = {"sales": "liuyang", "service": "chenjing", "purchasing": "sunli", "finance": "zhaomin"}


def _receipt(title, rows):
    """A small invoice-like PDF with extractable text."""
    total = sum((amount for _text, amount in rows), Decimal("0"))
    lines = [f"{text}：{amount} 元" for text, amount in rows] + [f"合计：{total} 元", "（演示数据，非真实发票）"]
    return ContentFile(make_pdf(title, lines), name=f"{title}.pdf")


def _claim(user, title, purpose, lines):
    """``lines``: (date, category, description, amount, receipt title or None)."""
    claim = ExpenseClaim(title=title, purpose=purpose)
    receipts = []
    for spent_on, category, description, amount, receipt_title in lines:
        line = ExpenseLine(spent_on=spent_on, category=category, description=description, amount=Decimal(amount))
        claim.lines.add(line)
        if receipt_title:
            receipts.append((line, _receipt(receipt_title, [(description, Decimal(amount))])))
    claim, _created = expenses.save_claim(user, claim, receipts)
    return claim


def _act(claim, action, comment=""):
    """``action`` by the first person holding the claim's current step."""
    state = expenses.latest_workflow_state(claim)
    holder = sorted(approvals.holders(state), key=lambda user: user.pk)[0]
    return approvals.act(state, holder, action, comment)


@transaction.atomic
def build_expenses(users, departments):
    """Returns the demo claims by stage."""
    expenses.ensure_expense_workflow()
    for slug, username in HEADS.items():
        department = departments.get(slug)
        if department is not None and department.head_id is None and username in users:
            department.head = users[username]
            department.save(update_fields=["head"])
    users["zhaomin"].groups.add(Group.objects.get(name=roles.FINANCE_MANAGER))

    day = datetime.date.today()
    ago = lambda n: day - datetime.timedelta(days=n)  # noqa: E731
    T, L, M, H, O, S = "travel", "lodging", "meals", "hospitality", "office", "transport"

    waiting_head = _claim(users["xiaoming"], "11 月市内交通与加班餐费", "去试验场取样及加班。", [
        (ago(12), S, "试验场往返出租车", "186.50", "出租车发票"),
        (ago(9), M, "加班工作餐", "200.00", "餐饮发票"),
    ])
    expenses.submit(waiting_head, users["xiaoming"])

    waiting_finance = _claim(users["zhangwei"], "北京功能安全研讨会差旅", "参加 ISO 26262 功能安全研讨会并拜访供应商。", [
        (ago(20), T, "上海—北京往返机票", "4200.00", "机票行程单"),
        (ago(19), L, "会议酒店四晚", "5600.00", "酒店发票"),
        (ago(19), O, "研讨会注册费", "3000.00", "注册费发票"),
    ])
    expenses.submit(waiting_finance, users["zhangwei"])
    _act(waiting_finance, "approve", "行程与会议通知一致，同意。")

    approved = _claim(users["zhangwei"], "试验室办公用品", "试验记录本、标签打印纸。", [
        (ago(30), O, "试验记录本 20 本", "360.00", "办公用品发票"),
        (ago(30), O, "标签打印纸 4 卷", "320.00", None),
    ])
    expenses.submit(approved, users["zhangwei"])
    _act(approved, "approve")

    paid = _claim(users["xiaoming"], "10 月市内交通", "客户现场技术支持。", [
        (ago(40), S, "地铁与出租车", "245.00", "交通发票"),
    ])
    expenses.submit(paid, users["xiaoming"])
    _act(paid, "approve")
    expenses.mark_paid(paid, users["zhaomin"], "网银转账 20261108-0031")

    # 刘洋 heads sales and 总部 has no head: finance decides in the head's place (the fallback).
    changes = _claim(users["liuyang"], "客户招待费", "北京福田采购团队来访。", [
        (ago(6), H, "商务午餐", "1680.00", "餐饮发票"),
        (ago(6), H, "伴手礼", "700.00", None),
    ])
    expenses.submit(changes, users["liuyang"])
    _act(changes, "reject", "请补充招待对象名单，并附上伴手礼的发票后重新提交。")
    return {"waiting_head": waiting_head, "waiting_finance": waiting_finance, "approved": approved, "paid": paid,
            "changes": changes}
