"""Statistics benchmark (KB-07): recording cost, the nightly roll-up and the four dashboards over
a million recorded events, on a fresh database.

    python bench/stats.py [--events N] [--quick] [--db PATH] [--requests N] [--explain] [--reuse]

1. Organisation: the test portal (tests/factories.build_portal), then 10 departments (two with
   sub-departments), one knowledge space per department, ~300 people with profiles, the head of
   销售公司 (3 departments with its two regions) and ~3,000 counted items. Items are
   ``SearchEntry`` rows (bulk_create, not pages: the roll-up counts the search catalogue), kinds
   article/faq/document/structured, in real spaces, owned by people of the space's department,
   created over two years, readable by all; plus a dimension (4 root nodes, 3 children each)
   with ``SearchEntryNode`` rows, as search_rebuild writes them (node and its ancestor).
2. Events: ``portal.services.demo_stats.add_activity`` over the last 365 days: 80% usage
   ``Event`` rows, 20% ``QueryLog`` searches over 200 queries (30 of them find nothing); items
   and people are Zipf-popular. Default 1,000,000 in total (--quick: 100,000).
3. Roll-up: ``stats.services.rollup.catch_up`` (every day since the oldest item: two years,
   then each month's sums), then again, which must do nothing.
4. Dashboards: /stats/stock/, usage/, contribution/, search/ through Django's test client (the
   whole stack), for a knowledge manager (stats.view_all_stats through their group, not a
   superuser: titles are permission-checked) and for the department head, with the default
   period (30 days) and ?period=365. After 2 warm-ups, N rounds with every page fetched once per
   round, so all meet the same machine load. SQL queries per page from one extra request
   (CaptureQueriesContext slows the timed ones). The Excel export of usage top.xlsx is timed
   (5 times per period).
5. Recording: ``stats.services.events.record_view`` (one INSERT) against a GET of the login page
   (the cheapest page through the whole stack), alternating.
Printed: times of each stage, aggregate rows, median/p95/max ms and SQL queries per page with
its slowest query (time in cursor.execute and the function of stats/services it came from;
--explain: the five slowest per page, with their SQL and plans), and the target: p95 <= 300 ms
for every dashboard page, and how many full garbage collections (a pause of the whole process)
fell on the timed requests. --reuse: measure again on the database an earlier run left;
--gc-freeze: gc.freeze() before the timed requests, as a web worker could do once started.
SQLite file by default, like the other benches; with DATABASE_URL set, a throwaway test
database on that server instead (created and dropped as Django's test runner does).
"""
import argparse
import gc
import math
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

from benchdb import ROOT, setup_django  # bench/benchdb.py

P95_TARGET_MS = 300
PAGES = ("stock", "usage", "contribution", "search")
PERIODS = ("30", "365")
KIND_MIX = [("article", 0.45), ("document", 0.30), ("faq", 0.15), ("structured", 0.10)]
KEY_PREFIX = {"article": "knowledge.articlepage", "faq": "faq.faqentrypage",
              "structured": "structured.structureditempage", "document": "knowledge.knowledgedocument"}
# (code, name, parent code, share of people and items)
DEPARTMENTS = [
    ("research", "研究院", None, 0.18), ("powertrain", "动力研究所", "research", 0.10),
    ("chassis", "底盘研究所", "research", 0.08), ("finance", "财务部", None, 0.06),
    ("sales", "销售公司", None, 0.10), ("sales-east", "华东大区", "sales", 0.12),
    ("sales-south", "华南大区", "sales", 0.10), ("service", "售后服务部", None, 0.14),
    ("quality", "质量部", None, 0.07), ("hr", "人力资源部", None, 0.05),
]
HEADED = "sales"
TOPICS = ["发动机", "变速箱", "液压泵", "报销", "合同", "保修", "试验报告", "培训", "客户投诉", "电池", "底盘", "制动",
          "排放", "质量追溯", "供应商", "采购", "出口认证", "售后网点", "配件", "经销商", "预算", "发票", "考勤", "招聘",
          "安全规范", "图纸", "BOM", "ECU", "尿素泵", "空调", "轮胎", "车桥", "悬架", "冷藏机组", "融资租赁", "年检",
          "索赔", "召回", "OTA", "CAN总线"]
ASPECTS = ["流程", "模板", "故障", "标准", "手册"]


# --------------------------------------------------------------------------- database

def setup(db, fresh=True):
    """Django on a fresh SQLite file (benchdb), or on a throwaway test database of the server
    DATABASE_URL names; returns the real database name to restore after, or None."""
    os.environ.setdefault("ZHIKU_VAR_DIR", "/tmp/zhiku-bench-stats-var")  # not the others' var dir
    if not os.environ.get("DATABASE_URL"):
        setup_django(db, fresh)
        return None
    os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings"
    sys.path.insert(0, str(ROOT))  # before bench/, whose search.py would shadow the search package
    import django

    django.setup()
    from django.db import connection

    name = connection.settings_dict["NAME"]
    # Our own name: autoclobber must never drop the test database of a test run going on.
    connection.settings_dict["TEST"]["NAME"] = "zhiku_bench_stats"
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)  # migrates
    return name


def teardown(real_name):
    if real_name is not None:
        from django.db import connection

        connection.creation.destroy_test_db(real_name, verbosity=0)


# --------------------------------------------------------------------------- organisation

def build_organisation(people, items, seed):
    """The portal, departments, spaces, people, the head and the counted items; returns
    (manager, head, item keys, user ids)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone

    from knowledge.models import Dimension, DimensionNode, KnowledgeSpacePage
    from knowledge.services.spaces import provision_space
    from portal.models import Department, UserProfile
    from search.models import SearchEntry, SearchEntryNode
    from tests.factories import build_portal, make_user

    rng = random.Random(seed)
    portal = build_portal()
    departments = {}
    for code, name, parent, _share in DEPARTMENTS:
        departments[code] = Department.objects.create(code=code, name=name, parent=departments.get(parent))
    spaces = {}
    for code, name, _parent, _share in DEPARTMENTS:
        existing = {"research": portal.research, "finance": portal.finance}.get(code)
        if existing:  # build_portal's two spaces become the departments' own
            KnowledgeSpacePage.objects.filter(pk=existing.pk).update(department=departments[code])
            spaces[code] = existing
        else:
            spaces[code] = portal.home.add_child(instance=KnowledgeSpacePage(
                title=f"{name}知识库", slug=f"space-{code}", department=departments[code]))
            provision_space(spaces[code])
    codes, shares = zip(*[(code, share) for code, _n, _p, share in DEPARTMENTS])

    # People: bulk rows with one shared password hash (hashing 300 passwords would take longer
    # than everything else in this step).
    User = get_user_model()
    password = make_password("pw-12345678")
    User.objects.bulk_create([User(username=f"person{n:03d}", password=password, first_name=f"员工{n:03d}",
                                   email=f"person{n:03d}@example.com") for n in range(people)])
    staff = list(User.objects.filter(username__startswith="person").order_by("pk"))
    homes = {user.pk: rng.choices(codes, shares)[0] for user in staff}
    head = make_user("head")
    homes[head.pk] = HEADED
    for user in vars(portal.users).values():
        homes[user.pk] = "research" if user.username != "accountant" else "finance"
    UserProfile.objects.bulk_create([UserProfile(user_id=pk, department=departments[code])
                                     for pk, code in homes.items()])
    Department.objects.filter(pk=departments[HEADED].pk).update(head=head)
    members = {code: [pk for pk, c in homes.items() if c == code and pk != head.pk] for code in codes}

    # The dimension: a tree like the categories; an entry lists its node and the node's parent.
    dimension = Dimension.objects.create(name="产品线", slug="product-line")
    tree = {}
    for root_name in ("轻卡", "中重卡", "新能源", "零部件"):
        root = DimensionNode.add_root(dimension=dimension, name=root_name)
        tree[root] = [root.add_child(dimension=dimension, name=f"{root_name}{n}") for n in range(1, 4)]
    leaves = [(leaf, root) for root, children in tree.items() for leaf in children]

    now = timezone.now()
    kinds, kind_weights = zip(*KIND_MIX)
    entries, node_rows = [], []
    for n in range(1, items + 1):
        code = rng.choices(codes, shares)[0]
        kind = rng.choices(kinds, kind_weights)[0]
        created = now - timedelta(days=730 * rng.random() ** 1.3)  # more recent than old
        owner = rng.choice(members[code] or [user.pk for user in staff])
        entry = SearchEntry(
            key=f"{KEY_PREFIX[kind]}:{100_000 + n}", kind=kind, object_id=str(100_000 + n),
            title=f"{rng.choice(TOPICS)}{rng.choice(ASPECTS)}（{n}）", url=f"/bench/{n}/",
            space_id=spaces[code].pk, space_title=spaces[code].title, owner_id=owner, owner_name=f"员工{owner}",
            file_type=rng.choice(["docx", "xlsx", "pdf"]) if kind == "document" else "",
            date=created, created=created, principals="all", stamp="bench")
        picked = [] if rng.random() < 0.25 else rng.sample(leaves, rng.choice([1, 1, 2]))
        nodes = {node.pk: node.label for leaf, root in picked for node in (leaf, root)}
        entry.nodes = " ".join(str(pk) for pk in nodes)
        entries.append((entry, nodes))
    with transaction.atomic():
        SearchEntry.objects.bulk_create([entry for entry, _nodes in entries], batch_size=500)
        for entry, nodes in entries:
            node_rows.extend(SearchEntryNode(entry=entry, node_id=pk, label=label) for pk, label in nodes.items())
        SearchEntryNode.objects.bulk_create(node_rows, batch_size=1000)
    keys = [entry.key for entry, _nodes in entries]
    return portal.users.manager, head, keys, list(homes)


def make_queries(rng, count=200, zero=30):
    """``count`` distinct queries, ``zero`` of them finding nothing, in random popularity order."""
    wordings = [f"{t} {a}" for t in TOPICS for a in ASPECTS]
    rng.shuffle(wordings)
    queries = [(q, n >= zero) for n, q in enumerate(wordings[:count])]
    rng.shuffle(queries)
    return queries


# --------------------------------------------------------------------------- measuring

def percentile(times, p=0.95):
    """Nearest rank: the 29th of 30 times for the p95."""
    times = sorted(times)
    return times[max(math.ceil(len(times) * p) - 1, 0)]


def timed(fn):
    started = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - started


def _caller():
    """The innermost function of the statistics services on the stack: where a query comes from."""
    frame = sys._getframe(2)
    while frame is not None:
        if f"{os.sep}stats{os.sep}services{os.sep}" in frame.f_code.co_filename:
            return f"{Path(frame.f_code.co_filename).stem}.{frame.f_code.co_name}"
        frame = frame.f_back
    return "(view)"


def capture(client, url):
    """(queries, [(ms, function, sql, params)] slowest first) of one request. Timed around
    cursor.execute: on SQLite a grouped query does its work there; rows streamed without
    grouping are partly read later, by fetchmany, and are not counted."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    timings = []

    def timer(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            timings.append(((time.perf_counter() - started) * 1000, _caller(), sql, params))

    with CaptureQueriesContext(connection) as queries, connection.execute_wrapper(timer):
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(queries), sorted(timings, key=lambda t: -t[0])


def explain(sql, params):
    from django.db import connection

    prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
    with connection.cursor() as cursor:
        cursor.execute(prefix + sql, params)
        return [" ".join(str(c) for c in row) for row in cursor.fetchall()]


def interpolate(sql, params):
    """The SQL with its parameters, for reading (not for running)."""
    try:
        return sql % tuple(repr(p) if isinstance(p, str) else str(p) for p in params) if params else sql
    except (TypeError, ValueError):
        return f"{sql} -- {params!r}"


def measure_dashboards(viewers, rounds, freeze):
    """{(viewer, page, period): [ms]}, {same: queries}, {same: timed queries, slowest first},
    {period: [ms of the export]}, (full garbage collections during the timed requests, ms one
    takes)."""
    from django.test import Client

    clients = {}
    for name, user in viewers.items():
        clients[name] = Client()
        clients[name].force_login(user)
    cases = [(viewer, page, period) for viewer in viewers for period in PERIODS for page in PAGES]

    def url(page, period):
        return f"/stats/{page}/" + ("" if period == "30" else f"?period={period}")

    queries, slowest = {}, {}
    for case in cases:
        viewer, page, period = case
        for _warm in range(2):
            clients[viewer].get(url(page, period))
        queries[case], slowest[case] = capture(clients[viewer], url(page, period))
    # A full (generation 2) collection walks every object of the process: Django, Wagtail and
    # all apps. Counted, and timed once, as it lands on whichever request happens to run.
    started = time.perf_counter()
    gc.collect()
    full_gc_ms = (time.perf_counter() - started) * 1000
    if freeze:  # what a worker calling gc.freeze() once started would see
        gc.freeze()
        started = time.perf_counter()
        gc.collect()
        full_gc_ms = (full_gc_ms, (time.perf_counter() - started) * 1000)
    collections = gc.get_stats()[2]["collections"]
    times = {case: [] for case in cases}
    for _round in range(rounds):
        for case in cases:
            viewer, page, period = case
            started = time.perf_counter()
            response = clients[viewer].get(url(page, period))
            times[case].append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
    collections = gc.get_stats()[2]["collections"] - collections
    export_client, export_times = clients["manager"], {}
    export_client.get("/stats/usage/top.xlsx")  # warm-up
    for period in PERIODS:
        export_times[period] = []
        for _n in range(5):
            started = time.perf_counter()
            response = export_client.get(f"/stats/usage/top.xlsx?period={period}")
            export_times[period].append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200 and response.content[:2] == b"PK"  # a zip: an xlsx
    return times, queries, slowest, export_times, (collections, full_gc_ms)


def measure_recording(calls, key):
    """record_view against a GET of the login page, alternating in blocks of 100."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import AnonymousUser
    from django.test import Client

    from stats.models import Event
    from stats.services.events import record_view

    user = get_user_model().objects.get(username="reader")
    client = Client()
    for _warm in range(20):
        record_view(user, key)
        client.get("/accounts/login/")
    before = Event.objects.count()
    record, page = [], []
    for _block in range(max(calls // 100, 1)):
        for _n in range(100):
            started = time.perf_counter()
            record_view(user, key)
            record.append((time.perf_counter() - started) * 1000)
        for _n in range(10):  # a page costs ~10x more: fewer of them keep the run short
            started = time.perf_counter()
            response = client.get("/accounts/login/")
            page.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
    record_view(AnonymousUser(), key)  # an anonymous reader is recorded too
    written = Event.objects.count() - before
    assert written == len(record) + 1, (written, len(record))
    return record, page


# --------------------------------------------------------------------------- main

def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, default=Path("/tmp/zhiku-bench-stats.sqlite3"))
    parser.add_argument("--events", type=int, default=1_000_000, help="usage events + searches in total")
    parser.add_argument("--quick", action="store_true", help="100,000 events and 10 rounds: a smoke test")
    parser.add_argument("--people", type=int, default=300)
    parser.add_argument("--items", type=int, default=3000)
    parser.add_argument("--requests", type=int, default=30, help="timed requests per page, viewer and period")
    parser.add_argument("--records", type=int, default=2000, help="record_view calls to time")
    parser.add_argument("--explain", action="store_true", help="the five slowest queries per page, with plans")
    parser.add_argument("--seed", type=int, default=20260701)
    parser.add_argument("--reuse", action="store_true", help="measure again on the database of an earlier run")
    parser.add_argument("--gc-freeze", action="store_true",
                        help="gc.freeze() before the timed requests, as a worker could once started")
    args = parser.parse_args()
    if args.quick:
        args.events, args.requests = min(args.events, 100_000), min(args.requests, 10)
    if args.reuse and os.environ.get("DATABASE_URL"):
        parser.error("--reuse needs the SQLite file: the DATABASE_URL test database is dropped after each run")
    real_name = setup(args.db, fresh=not args.reuse)
    try:
        run(args)
    finally:
        teardown(real_name)


def prepare(args, summary):
    """Build the organisation, record the events and roll them up; returns (manager, head, keys)."""
    from django.apps import apps
    from django.utils import timezone

    from portal.services.demo_stats import add_activity
    from search.models import QueryLog
    from stats.models import Event, Item, RolledUpDay
    from stats.services.rollup import catch_up

    (manager, head, keys, user_ids), seconds = timed(lambda: build_organisation(args.people, args.items, args.seed))
    print(f"organisation: {len(user_ids)} people, {len(keys)} items, built in {seconds:.1f} s")

    rng = random.Random(args.seed)
    rng.shuffle(keys)  # popularity (Zipf by position) unrelated to department or age
    rng.shuffle(user_ids)
    searches = args.events // 5
    events = args.events - searches
    today = timezone.localdate()
    _none, seconds = timed(lambda: add_activity(keys, user_ids, today - timedelta(days=365), 365, events=events,
                                                searches=searches, queries=make_queries(rng), seed=args.seed))
    recorded = Event.objects.count() + QueryLog.objects.count()
    zero = QueryLog.objects.filter(result_count=0).count()
    print(f"events: {events:,} usage events + {searches:,} searches ({zero:,} found nothing) = {recorded:,} "
          f"in {seconds:.1f} s ({recorded / seconds:,.0f}/s)")
    summary.append(("generate events", f"{recorded:,} in {seconds:.1f} s ({recorded / seconds:,.0f}/s)"))

    days, seconds = timed(lambda: catch_up(today))
    # Every aggregate table the roll-up writes (ItemDay, ReaderDay, PersonDay, SearchDay... ItemMonth...).
    aggregates = [model for model in apps.get_app_config("stats").get_models()
                  if model.__name__.endswith(("Day", "Month")) and model is not RolledUpDay]
    counts = {model.__name__: model.objects.count() for model in [Item, *aggregates]}
    print(f"roll-up: {len(days)} days ({days[0]} to {days[-1]}) in {seconds:.1f} s "
          f"({seconds / len(days) * 1000:.0f} ms a day)")
    print("  rows: " + ", ".join(f"{name} {n:,}" for name, n in counts.items()))
    summary.append(("roll-up", f"{len(days)} days in {seconds:.1f} s ({seconds / len(days) * 1000:.0f} ms a day)"))
    summary.append(("aggregate rows", f"{sum(n for name, n in counts.items() if name != 'Item'):,}"))
    rolled = RolledUpDay.objects.count()
    again, seconds = timed(lambda: catch_up(today))
    assert again == [] and RolledUpDay.objects.count() == rolled, again
    print(f"roll-up again: {len(again)} days, {seconds * 1000:.0f} ms (no-op: the item catalogue refresh only)")
    summary.append(("roll-up again", f"no-op, {seconds * 1000:.0f} ms"))
    return manager, head, keys


def reuse(summary):
    """The viewers and items of an earlier run's database (migrated, in case indexes were added)."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from search.models import QueryLog
    from stats.models import Event, Item, RolledUpDay

    call_command("migrate", verbosity=0)
    users = get_user_model().objects
    recorded = Event.objects.count() + QueryLog.objects.count()
    last = RolledUpDay.objects.first()
    print(f"reused: {recorded:,} recorded events, rolled up to {last.day if last else 'nothing'}")
    summary.append(("reused database", f"{recorded:,} events"))
    return users.get(username="manager"), users.get(username="head"), list(Item.objects.values_list("key", flat=True))


def run(args):
    from django.conf import settings
    from django.db import connection

    if "testserver" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS.append("testserver")
    summary = []
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    manager, head, keys = reuse(summary) if args.reuse else prepare(args, summary)

    viewers = {"manager": manager, "head": head}
    load = os.getloadavg()[0]  # other work on the machine shows in the times: say how much there was
    times, queries, slowest, export_times, (collections, full_gc_ms) = measure_dashboards(
        viewers, args.requests, args.gc_freeze)
    print(f"dashboards: {args.requests} requests each after 2 warm-ups, pages interleaved; "
          f"manager = all departments, head = {HEADED} (3 departments); target p95 <= {P95_TARGET_MS} ms; "
          f"load average {load:.1f} -> {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"  full garbage collections during them: {collections}, " + (
        f"one takes {full_gc_ms[0]:.0f} ms before gc.freeze(), {full_gc_ms[1]:.0f} ms after" if args.gc_freeze
        else f"one takes {full_gc_ms:.0f} ms (--gc-freeze: as a worker calling gc.freeze() once started)"))
    print(f"  {'viewer':8}{'page':13}{'period':>6}{'median':>8}{'p95':>8}{'max':>8}{'queries':>8}  "
          f"slowest query (ms, function in stats/services)")
    for case, values in times.items():
        viewer, page, period = case
        p95 = percentile(values)
        ms, where, sql, _params = slowest[case][0]
        print(f"  {viewer:8}{page:13}{period:>6}{statistics.median(values):8.1f}{p95:8.1f}{max(values):8.1f}"
              f"{queries[case]:8}{'' if p95 <= P95_TARGET_MS else ' !'}  {ms:4.0f} {where}")
    if args.explain:
        for case, timings in slowest.items():
            print(f"\n== {' '.join(case)}: five slowest of {queries[case]} queries "
                  f"({sum(t[0] for t in timings):.0f} ms in cursor.execute)")
            for ms, where, sql, params in timings[:5]:
                print(f"  {ms:7.1f} ms  {where}\n           {interpolate(sql, params)}")
                for line in explain(sql, params):
                    print(f"             | {line}")
    for period, values in export_times.items():
        print(f"  export usage/top.xlsx?period={period} (manager, the usage dashboard built for one table): "
              f"median {statistics.median(values):.1f} ms, max {max(values):.1f} ms over {len(values)}")
    for period in PERIODS:
        worst = max(times, key=lambda case: percentile(times[case]) if case[2] == period else -1)
        p95 = percentile(times[worst])
        verdict = "met" if p95 <= P95_TARGET_MS else "NOT met"
        summary.append((f"dashboard p95, period {period}",
                        f"worst {p95:.0f} ms ({worst[0]} {worst[1]}): target <= {P95_TARGET_MS} ms {verdict}"))
    summary.append(("export usage top.xlsx", ", ".join(f"period {period}: median {statistics.median(values):.0f} ms"
                                                     for period, values in export_times.items())))

    record, page = measure_recording(args.records, keys[0])
    ratio = statistics.median(record) / statistics.median(page)
    print(f"recording: record_view x{len(record)}: median {statistics.median(record):.3f} ms, "
          f"p95 {percentile(record):.3f} ms; GET /accounts/login/ x{len(page)}: median "
          f"{statistics.median(page):.2f} ms, p95 {percentile(page):.2f} ms; ratio of medians {ratio:.1%}")
    summary.append(("record_view", f"median {statistics.median(record):.3f} ms = {ratio:.1%} of the cheapest page"))

    print("\nsummary")
    for name, value in summary:
        print(f"  {name:29}{value}")
    columns = [(page, period) for period in PERIODS for page in PAGES]
    print("  p95 ms  " + " ".join(f"{page}/{period}" for page, period in columns))
    for viewer in viewers:
        print(f"  {viewer:8}" + " ".join(f"{percentile(times[(viewer, page, period)]):{len(page + period) + 1}.0f}"
                                    for page, period in columns))


if __name__ == "__main__":
    main()
