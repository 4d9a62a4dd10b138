"""Demo FAQ: the entries of ``portal.demo.faq_material`` published in the customer service
space, filed under category and product-line nodes, with owners, review dates (a few past
due), a second version of two answers, and a few service articles opened to customers."""
import datetime

from knowledge.models import ArticlePage, Audience, Dimension
from portal.demo import faq_material

# Who answers for what: the service department for customers' and agents' questions, the
# knowledge officer for the IT service desk, finance for expenses.
OWNERS = [("信息化建设/", "wangzhi"), ("财务管理/", "zhaomin")]
DEFAULT_OWNER = "chenjing"
# Answers that changed after they were first published: (question, text in the material, what
# the first version said instead); the first version is published, then the material's answer.
EARLIER_ANSWERS = [
    ("客服热线是多少，几点有人接听？", "人工服务每天 8:00～20:00，节假日不休", "人工服务周一至周六 8:30～17:30"),
    ("车贷首付最低多少，利率是多少？", "首付最低 <b>20%</b>", "首付最低 <b>30%</b>"),
]
# Service articles customers may also read on the self-service site.
PUBLIC_ARTICLES = [
    "Service Desk FAQ: Ticket Priority and Escalation",
    "客户抱怨与投诉信息的收集和使用",
    "客户信息使用权限与隐私保护",
    "常见问题：系统数据如何备份与恢复？",
]


def _owner(item, users):
    return users[next((name for prefix, name in OWNERS if item["category"].startswith(prefix)), DEFAULT_OWNER)]


def _review_date(number, today):
    """Every sixth entry is 2-8 weeks past its review date; the others are due within a year."""
    if number % 6 == 0:
        return today - datetime.timedelta(days=14 + 7 * (number % 7))
    return today + datetime.timedelta(days=60 + (number * 37) % 300)


def _publish_entries(space, users):
    from faq.services.entries import create_entry, update_entry

    categories = Dimension.for_imports()
    products = Dimension.objects.filter(slug="products").first()
    earlier = {question: (now, before) for question, now, before in EARLIER_ANSWERS}
    editor, today, entries = users[DEFAULT_OWNER], datetime.date.today(), []
    for number, item in enumerate(faq_material.FAQ_ENTRIES):
        nodes = [categories.node_from_path(item["category"].split("/"))]
        if item["product"] and products is not None:
            nodes.append(products.node_from_path(item["product"]))
        answer = item["answer"]
        if item["question"] in earlier:
            now, before = earlier[item["question"]]
            answer = answer.replace(now, before)
        entry = create_entry(space, editor, item["question"], answer, phrasings=item["phrasings"], nodes=nodes,
                             audience=item["audience"], owner=_owner(item, users),
                             next_review=_review_date(number, today))
        if answer != item["answer"]:
            entry = update_entry(entry, editor, answer=item["answer"])
        entries.append(entry)
    return entries


def _open_articles_to_customers(space):
    for article in ArticlePage.objects.child_of(space).filter(title__in=PUBLIC_ARTICLES):
        article.audience = Audience.PUBLIC
        owner = article.content_owner or article.owner
        article.save_revision(user=owner, log_action=True).publish(user=owner)


def build_faq(spaces, users):
    """Publish the demo FAQ in the customer service space; returns the entries."""
    space = spaces["service"]
    entries = _publish_entries(space, users)
    _open_articles_to_customers(space)
    return entries
