"""Workbench benchmark: the home page (工作台) of a busy person, on a fresh SQLite database.

    python bench/workbench.py [--db PATH] [--requests N] [--notifications N]

Builds the test portal (tests/factories.build_portal), then makes ``busy``: 1,000
notifications (a third unread, every kind), 40 subscriptions, 30 of their own requests in a
two-step review workflow and 15 articles waiting for their approval, 5 training enrolments with
due dates. ``quiet`` has none of it. Both pages are fetched through Django's test client
(the whole stack: middleware, Wagtail's page serving, templates), alternating, after a warm-up.
Printed: median, p95 and max ms for both, the ratio of the medians, and SQL queries per page.
Target: p95 <= 150 ms for ``busy``.
"""
import argparse
import statistics
import time
from pathlib import Path

from benchdb import setup_django  # bench/benchdb.py

P95_TARGET_MS = 150


def build(notifications):
    from django.contrib.auth.models import Group
    from wagtail.models import Workflow, WorkflowPage, WorkflowTask

    from personal.models import Subscription
    from portal.models import Notification
    from tests.factories import add_article, add_path, build_portal, make_user
    from training.models import Enrollment
    from workflows.models import SpaceReviewTask

    portal = build_portal()
    busy, quiet, writer = make_user("busy"), make_user("quiet"), make_user("writer")
    groups = {g.name: g for g in Group.objects.filter(name__startswith="研究院")}
    busy.groups.add(groups["研究院审核人"])
    writer.groups.add(groups["研究院编辑"])
    task = SpaceReviewTask.objects.create(name="空间审核人审核")
    workflow = Workflow.objects.create(name="部门审核")
    WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    WorkflowPage.objects.create(workflow=workflow, page=portal.research)
    for n in range(15):  # waiting for busy
        article = add_article(portal.research, f"待审文章{n}", writer)
        article.save_revision(user=writer)
        workflow.start(article, writer)
    for n in range(30):  # busy's own requests, held by the other reviewer
        other = make_user(f"reviewer{n}") if n == 0 else None
        if other:
            other.groups.add(groups["研究院审核人"])
        article = add_article(portal.research, f"我的申请{n}", busy)
        article.save_revision(user=busy)
        workflow.start(article, busy)
    verbs = list(Notification.VERBS)
    Notification.objects.bulk_create([
        Notification(user=busy, verb=verbs[n % len(verbs)], title=f"通知 {n}", url="/",
                     read_at=None if n % 3 == 0 else "2026-01-01T00:00:00Z")
        for n in range(notifications)
    ])
    Subscription.objects.bulk_create([
        Subscription(user=busy, target_type="space", target=str(10_000 + n)) for n in range(40)
    ], ignore_conflicts=True)
    for n in range(5):
        path = add_path(f"培训{n}", steps=[])
        Enrollment.objects.update_or_create(user=busy, path=path, defaults={
            "assigned_at": "2026-01-01T00:00:00Z", "due_date": f"2026-12-0{n + 1}"})
    return busy, quiet


def measure(client, user, rounds):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/")
    count = len(queries)  # now: the next request empties the connection's query log
    assert response.status_code == 200, response.status_code
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        client.get("/")
        times.append((time.perf_counter() - started) * 1000)
    return times, count


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default="/tmp/zhiku-bench-workbench.sqlite3")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--notifications", type=int, default=1000)
    args = parser.parse_args()
    setup_django(Path(args.db), fresh=True)
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()  # allows the test client's "testserver" host
    busy, quiet = build(args.notifications)
    clients = {"busy": Client(), "quiet": Client()}
    for name, user in (("busy", busy), ("quiet", quiet)):
        measure(clients[name], user, 10)  # warm-up
    results = {"busy": [], "quiet": []}
    queries = {}
    for _ in range(4):  # alternate, so both meet the same machine load
        for name, user in (("busy", busy), ("quiet", quiet)):
            times, queries[name] = measure(clients[name], user, args.requests // 4)
            results[name].extend(times)
    print(f"workbench '/' over {args.requests} requests each ({args.notifications} notifications for busy)")
    for name, times in results.items():
        times.sort()
        p95 = times[int(len(times) * 0.95) - 1]
        print(f"  {name:5}  median {statistics.median(times):6.1f} ms  p95 {p95:6.1f} ms  "
              f"max {times[-1]:6.1f} ms  {queries[name]} queries")
    ratio = statistics.median(results["busy"]) / statistics.median(results["quiet"])
    busy_p95 = sorted(results["busy"])[int(len(results["busy"]) * 0.95) - 1]
    print(f"  busy/quiet median ratio {ratio:.2f}; target p95 <= {P95_TARGET_MS} ms: "
          f"{'met' if busy_p95 <= P95_TARGET_MS else 'NOT met'}")


if __name__ == "__main__":
    main()
