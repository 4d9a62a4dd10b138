"""Past activity for the statistics dashboards: the demo's months of reading and searching, and
the benchmark's million events. Popular items and people are drawn far more often than the
rest, as in a real portal."""
import random
from contextlib import contextmanager
from datetime import datetime, time, timedelta

from django.utils import timezone

from search.models import QueryLog
from stats.models import Event, Verb

# (verb, share of events)
VERB_MIX = [(Verb.VIEW, 0.80), (Verb.DOWNLOAD, 0.12), (Verb.FAVOURITE, 0.05), (Verb.ANSWER, 0.02),
            (Verb.ACCEPTED, 0.01)]


@contextmanager
def _own_timestamps(model, field_name):
    """Let bulk_create keep the times given, not "now" (the field is auto_now_add)."""
    field = model._meta.get_field(field_name)
    field.auto_now_add = False
    try:
        yield
    finally:
        field.auto_now_add = True


def _moments(rng, start, days, count):
    """``count`` moments over ``days`` days from ``start``, mostly in working hours."""
    base = timezone.make_aware(datetime.combine(start, time.min))
    for _i in range(count):
        day = rng.randrange(days)
        hour = rng.choice([9, 9, 10, 10, 10, 11, 11, 14, 14, 15, 15, 16, 16, 17, 20])
        yield base + timedelta(days=day, hours=hour, minutes=rng.randrange(60), seconds=rng.randrange(60))


def _weights(n):
    return [1 / (rank + 1) for rank in range(n)]  # Zipf-like: the first is read most


def add_activity(keys, user_ids, start, days, events, searches, queries, seed=7, batch=20000):
    """Write ``events`` usage events and ``searches`` searches between ``start`` and
    ``start + days``. ``queries``: [(query, found)]; a query with found False finds nothing."""
    rng = random.Random(seed)
    keys, user_ids = list(keys), list(user_ids)
    key_weights, user_weights = _weights(len(keys)), _weights(len(user_ids))
    verbs, verb_weights = zip(*VERB_MIX)
    rows = []
    for moment in _moments(rng, start, days, events):
        rows.append(Event(at=moment, verb=rng.choices(verbs, verb_weights)[0],
                          user_id=rng.choices(user_ids, user_weights)[0], key=rng.choices(keys, key_weights)[0]))
        if len(rows) >= batch:
            Event.objects.bulk_create(rows)
            rows = []
    Event.objects.bulk_create(rows)
    query_weights = _weights(len(queries))
    logs = []
    with _own_timestamps(QueryLog, "created_at"):
        for moment in _moments(rng, start, days, searches):
            query, found = rng.choices(queries, query_weights)[0]
            results = rng.randint(1, 40) if found else 0
            clicked = rng.choices(keys, key_weights)[0] if results and rng.random() < 0.6 else ""
            logs.append(QueryLog(user_id=rng.choices(user_ids, user_weights)[0], query=query, result_count=results,
                                 clicked_key=clicked, created_at=moment))
            if len(logs) >= batch:
                QueryLog.objects.bulk_create(logs)
                logs = []
        QueryLog.objects.bulk_create(logs)


DEMO_QUERIES = [
    ("发动机 故障", True), ("报销流程", True), ("液压泵", True), ("合同模板", True), ("保修条款", True),
    ("试验报告", True), ("新员工培训", True), ("客户投诉处理", True), ("变速箱异响", False),
    ("电池热管理", False), ("出口认证 CE", False), ("海外售后网点", False),
]


def _backdate_items(today, rng, spread=540):
    """The demo's items were all made today; spread their publication over the last
    ``spread`` days, so the stock has a history (their search entries say the same)."""
    from knowledge.models import KnowledgeDocument
    from search.models import SearchEntry
    from wagtail.models import Page

    for entry in SearchEntry.objects.exclude(created=None):
        moment = timezone.make_aware(datetime.combine(today - timedelta(days=rng.randint(1, spread)), time(10)))
        model, pk = entry.key.split(":")
        if model == "knowledge.knowledgedocument":
            KnowledgeDocument.objects.filter(pk=pk).update(created_at=moment)
        elif entry.kind in ("article", "faq", "structured"):
            Page.objects.filter(pk=pk).update(first_published_at=moment)
        SearchEntry.objects.filter(pk=entry.pk).update(created=moment)


# (asker, question, answerer, answer, accepted, days ago)
DEMO_THREADS = [
    ("chenjing", "客户反映发动机冷启动困难，先查哪里？", "zhangwei", "先查预热塞和燃油滤清器，再读 ECU 故障码。", True, 40),
    ("xiaoming", "差旅住宿超标怎么报销？", "zhaomin", "超标部分需部门负责人审批，在报销单里写明原因。", True, 20),
    ("chenjing", "液压泵异响是否在保修范围内？", "lina", "出厂 12 个月内、按说明书使用出现的异响属于保修范围。", False, 9),
    ("liuyang", "出口欧洲的整机需要哪些认证？", None, "", False, 3),
]


def _questions(users, today):
    """A few questions and answers from the last weeks, for the Q&A and contribution figures."""
    from qa.models import Answer, Question
    from qa.services import threads
    from search import index

    def moment(days_ago, hour):
        return timezone.make_aware(datetime.combine(today - timedelta(days=days_ago), time(hour)))

    for asker, title, answerer, text, accepted, days_ago in DEMO_THREADS:
        question, created = threads.ask(users[asker], title)
        if not created:
            continue
        Question.objects.filter(pk=question.pk).update(created_at=moment(days_ago, 9))
        if answerer:
            answer, _created = threads.answer(question, users[answerer], text)
            Answer.objects.filter(pk=answer.pk).update(created_at=moment(days_ago, 15))
            if accepted:
                threads.accept(answer, users[asker])
            Event.objects.filter(key=question.search_key, verb__in=(Verb.ANSWER, Verb.ACCEPTED)).update(
                at=moment(days_ago, 16))
        index.update_object(Question.objects.get(pk=question.pk))


def _backdate_completions(today, rng):
    """Training finished while the demo was being built: spread over the last weeks."""
    from training.models import Enrollment

    for enrollment in Enrollment.objects.exclude(completed_at=None):
        days_ago = rng.randint(2, 30)
        Enrollment.objects.filter(pk=enrollment.pk).update(
            started_at=timezone.now() - timedelta(days=days_ago + 1), completed_at=timezone.now() - timedelta(days=days_ago))


def build_stats(users, days=180):
    """Half a year of reading and searching by the demo users over the demo's items, rolled up."""
    from search.models import SearchEntry
    from stats.services.rollup import catch_up

    today = timezone.localdate()
    _backdate_items(today, random.Random(5))
    _questions(users, today)
    _backdate_completions(today, random.Random(7))
    keys = list(SearchEntry.objects.filter(kind__in=("article", "faq", "structured", "document"))
                .exclude(space_id=None).order_by("?").values_list("key", flat=True))
    if not keys:
        return
    people = [u.pk for u in users.values()]
    random.Random(3).shuffle(people)
    add_activity(keys, people, today - timedelta(days=days), days, events=40 * days, searches=8 * days,
                 queries=DEMO_QUERIES)
    catch_up(today)
