"""Search benchmark: Zhiku's embedded SQLite engine against Wagtail's stock backend and a bare
FTS5 MATCH, on one generated corpus, in one run.

    python bench/search.py [--items N] [--db PATH] [--queries K] [--budget S] [--timeout S] [--reuse]

1. Corpus: a fresh SQLite file (default /tmp/zhiku-bench.sqlite3, production options: WAL,
   synchronous=NORMAL), migrated, with N ``SearchEntry`` rows (bulk_create, not pages), ~2,000
   characters each: demo-article sentences recombined by a seeded generator, ~12% English,
   part numbers (BJ1032-EN-0042); 70% articles (body + attachment), 30% documents (attachment
   only); 5 spaces, 22 categories, 50 owners, 4 file types, 3 years; 85% readable by 'all',
   the rest by one or two of 6 bench groups.
2. Rebuild: ``search.index.index_entries`` over all rows, as ``search_rebuild`` runs it after
   refreshing the entries: batches of 500, one transaction each, 2 spawned processes segment
   the text while the main one writes, FTS5 automerge off until a final optimize; items/s.
3. Comparisons on the same rows. wagtail: the real stock backend, by path (our
   WAGTAILSEARCH_BACKENDS segments Chinese; stock = modelsearch on SQLite: one FTS5 table,
   unicode61, raw title/body text), on a proxy of ``SearchEntry`` with the ``Indexed`` mixin,
   indexed like ``rebuild_modelsearch_index`` (chunks of 1000); a query = 20 hits + count() of
   ``backend.search(parse_query_string(q), queryset)``, + five facets when filtered; no
   permissions (stock has none). bare: ``SELECT rowid FROM search_fts WHERE search_fts MATCH ?
   LIMIT 20`` on OUR FTS5 table (same text and segments: the ratio is what our query adds),
   the query's words as phrases AND-ed; no columns, character fallback, bm25, permissions,
   count, facets or join. bare+rank: the same MATCH ranked (``ORDER BY rank LIMIT 20``) with
   its exact ``count(*)``: the least any ranked page with a total costs on FTS5.
4. Queries by class (QUERIES), interleaved per query after an untimed warm-up query:
   service = ``search.service.search(user, q, filters, log=False)`` as a non-superuser with
   principals ['all', 'g<id>'] (permissions, total, facets + labels, snippets); engine =
   ``SqliteEngine.search()`` alone (request built outside the timer); wagtail; bare. A cell
   (class x engine) stops after K queries or --budget s; a query is interrupted
   (``sqlite3.Connection.interrupt``) after --timeout s (t/o; ">" marks a capped percentile).
Printed: p50/p95 ms, mean total hits, p95 ratios ours/bare, and the targets (rebuild >= 1,000
items/s; service p95 <= 50 ms and <= 2x bare). --reuse: queries only, on an existing bench DB.
"""
import argparse
import random
import re
import statistics
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from benchdb import setup_django  # bench/benchdb.py

WAGTAIL_STOCK = "wagtail.search.backends.database"
FACET_FIELDS = ("kind", "space_id", "owner_id", "file_type")  # Wagtail's; ours adds the node facet
QUERIES = {
    "1 word": ["扭矩", "知识", "库存", "研发", "客户", "供应商", "发动机", "报销", "合同", "质量"],
    "2 words": ["研发 知识", "库存 管理", "客户 投诉", "供应商 评估", "扭矩 测试", "销售 漏斗", "费用 报销", "呼叫 中心"],
    "4 words": ["汽车 研发 知识 管理", "客户 投诉 处理 流程", "供应商 库存 采购 订单", "财务 费用 报销 审批",
                "发动机 扭矩 测试 规范", "销售 团队 客户 关系"],
    "phrase": ['"知识管理"', '"研发能力"', '"库存管理"', '"客户满意度"', '"呼叫中心"', '"应收账款"', '"functional safety"'],
    "filter+facets": ["知识", "库存 管理", "客户", "扭矩", "报销", "供应商"],
}


def sentence_pools(material):
    """Chinese sentences per article, English sentences, titles and headings."""
    from extract import article_blocks  # bench/extract.py

    zh, en, titles = [], [], []
    for article in material.ARTICLES:
        blocks = article_blocks(article)
        titles += [article["title"]] + [v for k, v in article["body"] if k == "heading"]
        if article["language"] == "en":
            en += [s + " " for b in blocks for s in re.split(r"(?<=[.!?])\s+", b) if len(s) > 20]
        zh.append([] if article["language"] == "en" else
                  [s for b in blocks for s in re.split(r"(?<=[。！？；])", b) if len(s) > 6])
    return zh, en, titles


def make_text(rng, own, everything, english, length):
    parts, size = [], 0
    while size < length:
        roll = rng.random()
        if roll < 0.12:
            s = rng.choice(english)
        elif roll < 0.15:
            code = f"{rng.choice(['BJ1032', 'BJ1049', 'TX2010'])}-{rng.choice(['EN', 'CN'])}-{rng.randrange(10**4):04d}"
            s = rng.choice([f"适用零件号 {code}。", f"See part {code} for the torque limits. "])
        else:
            s = rng.choice(own if own and roll < 0.6 else everything)
        parts.append(s)
        size += len(s)
    return "".join(parts)


def build_corpus(n, group_ids):
    from django.db import transaction

    from portal.demo import material
    from search.models import SearchEntry, SearchEntryNode

    zh, english, titles = sentence_pools(material)
    everything = [s for pool in zh for s in pool]
    spaces = {s["slug"]: (i + 1, s["name"]) for i, s in enumerate(material.SPACES)}
    # The categories as dimension nodes: a leaf and its parent, as search_rebuild indexes them.
    parents = sorted({path.split("/")[0] for path in material.CATEGORIES})
    categories = {path: [(i + 1, f"分类 / {path.replace('/', ' / ')}"),
                         (100 + parents.index(path.split("/")[0]), f"分类 / {path.split('/')[0]}")]
                  for i, path in enumerate(material.CATEGORIES)}
    labels = {node: label for pairs in categories.values() for node, label in pairs}
    keywords = sorted({k for a in material.ARTICLES for k in a["keywords"]})
    rng, start, rows = random.Random(20240601), datetime(2023, 1, 1, tzinfo=timezone.utc), []
    for i in range(1, n + 1):
        source = rng.randrange(len(material.ARTICLES))
        article, own = material.ARTICLES[source], zh[source]
        is_doc, file_type = rng.random() < 0.3, rng.choice(["docx", "xlsx", "pptx", "pdf"])
        title = f"{rng.choice(titles)}（{i}）"[:255]
        body_len = 0 if is_doc else rng.randint(1100, 1600)
        roll, owner = rng.random(), rng.randint(1, 50)
        rows.append(SearchEntry(
            key=f"bench.item:{i}", kind="document" if is_doc else "article", object_id=str(i), title=title,
            url=f"/bench/{i}/", keywords=" ".join(rng.sample(keywords, 3)),
            summary="" if is_doc else make_text(rng, own, everything, english, 60),
            body=make_text(rng, own, everything, english, body_len) if body_len else "",
            attachments=[{"name": f"{title}.{file_type}",
                          "text": make_text(rng, own, everything, english, 2000 - body_len)}],
            space_id=spaces[article["space"]][0], space_title=spaces[article["space"]][1],
            nodes="" if is_doc else " ".join(str(node) for node, _label in categories[article["category"]]),
            owner_id=owner, owner_name=f"用户{owner:02d}",
            file_type=file_type if is_doc else "", date=start + timedelta(minutes=rng.randrange(3 * 525600)),
            principals="all" if roll < 0.85 else " ".join(
                f"g{g}" for g in sorted(rng.sample(group_ids, 1 if roll < 0.95 else 2))),
            stamp="bench",
        ))
        if len(rows) == 2000 or i == n:
            with transaction.atomic():
                SearchEntry.objects.bulk_create(rows)
                SearchEntryNode.objects.bulk_create([SearchEntryNode(entry=row, node_id=node, label=labels[node])
                                                     for row in rows for node in row.node_ids])
            rows = []


def rebuild_ours():
    """items/s of ``search.index.index_entries`` (what ``search_rebuild`` runs after refreshing
    the entries): 2 processes read, segment and write the batches, then FTS5 optimize."""
    from search.engines import get_engine
    from search.index import id_batches, index_entries
    from search.models import SearchEntry

    get_engine().clear()
    start = time.perf_counter()
    count = index_entries(id_batches(SearchEntry.objects.all(), 500), workers=2)
    return count / (time.perf_counter() - start)


def wagtail_model():
    from wagtail.search import index

    from search.models import SearchEntry

    class BenchEntry(index.Indexed, SearchEntry):
        search_fields = [index.SearchField(name, boost=boost) for name, boost in
                         [("title", 10), ("keywords", 6), ("summary", 4), ("body", 2), ("attachments", 1)]] + [
            index.FilterField(name) for name in FACET_FIELDS]

        class Meta:
            proxy = True
            app_label = "zhiku_search"

    return BenchEntry


def rebuild_wagtail(model):
    from wagtail.search.backends import get_search_backend

    from search.index import entry_batches

    backend = get_search_backend(WAGTAIL_STOCK)
    rebuilder, start, count = backend.rebuilder_class(backend.get_index_for_model(model)), time.perf_counter(), 0
    index = rebuilder.start()
    for batch in entry_batches(model.objects.all(), 1000):
        index.add_items(model, batch)
        count += len(batch)
    rebuilder.finish()
    return backend, type(backend).__name__, count / (time.perf_counter() - start)


def make_runners(user, backend, model):
    """name -> prepare(q, filters) -> run() returning the total (bare: rows, at most 20)."""
    from django.db import connection
    from modelsearch.utils import parse_query_string

    from search import service
    from search.engines.base import SearchRequest
    from search.engines.sqlite import SqliteEngine, _phrase
    from search.registry import principals_for_user
    from search.text import parse_query, query_words

    engine, principals = SqliteEngine(), principals_for_user(user)

    def prepare_engine(q, filters):
        request = SearchRequest(query=parse_query(q), principals=principals, kinds=filters.get("kind", []),
                                spaces=[int(s) for s in filters.get("space", [])])
        return lambda: engine.search(request).total

    def wagtail(q, filters):
        queryset = model.objects.all()
        if filters:
            queryset = queryset.filter(kind__in=filters["kind"], space_id__in=[int(s) for s in filters["space"]])
        results = backend.search(parse_query_string(q)[1], queryset)
        list(results[:20])
        for name in FACET_FIELDS if filters else ():
            results.facet(name)
        return results.count()

    def bare_expression(q):
        words = [w for t in parse_query(q).terms for w in ([t.text] if t.phrase else t.words)]
        return " AND ".join(_phrase(query_words(w)) for w in words if query_words(w))

    def prepare_bare(q, filters):
        expression = bare_expression(q)

        def run():
            with connection.cursor() as cursor:
                cursor.execute("SELECT rowid FROM search_fts WHERE search_fts MATCH %s LIMIT 20", [expression])
                return len(cursor.fetchall())
        return run

    def prepare_bare_ranked(q, filters):
        expression = bare_expression(q)

        def run():
            with connection.cursor() as cursor:
                cursor.execute("SELECT rowid FROM search_fts WHERE search_fts MATCH %s ORDER BY rank LIMIT 20",
                               [expression])
                cursor.fetchall()
                cursor.execute("SELECT count(*) FROM search_fts WHERE search_fts MATCH %s", [expression])
                return cursor.fetchone()[0]
        return run

    return {"service": lambda q, f: lambda: service.search(user, q, f, log=False).total, "engine": prepare_engine,
            "wagtail": lambda q, f: lambda: wagtail(q, f), "bare": prepare_bare, "bare+rank": prepare_bare_ranked}


def run_with_timeout(run, seconds):
    """run(), or None when SQLite had to be interrupted after ``seconds``."""
    from django.db import OperationalError, connection

    connection.ensure_connection()
    timer = threading.Timer(seconds, connection.connection.interrupt)
    timer.start()
    try:
        return run()
    except OperationalError as error:
        if "interrupt" not in str(error):
            raise
    finally:
        timer.cancel()


def time_queries(runners, k, budget, timeout):
    results = {}
    for cls, texts in QUERIES.items():
        filters = [{"kind": ["article"], "space": [str(1 + i % 5)]} if cls == "filter+facets" else {}
                   for i in range(len(texts))]
        for prepare in runners.values():  # warm-up, untimed
            run_with_timeout(prepare(texts[0], filters[0]), timeout)
        cells = results[cls] = {name: {"ms": [], "hits": [], "timeouts": 0} for name in runners}
        for i in range(k):
            for name, prepare in runners.items():
                cell = cells[name]
                if sum(cell["ms"]) < budget * 1000:
                    run = prepare(texts[i % len(texts)], filters[i % len(texts)])
                    t0 = time.perf_counter()
                    hits = run_with_timeout(run, timeout)
                    cell["ms"].append((time.perf_counter() - t0) * 1000)
                    cell["timeouts"] += hits is None
                    cell["hits"] += [] if hits is None else [hits]
        print(f"  timed {cls}: " + ", ".join(f"{n} {len(c['ms'])}" for n, c in cells.items()), flush=True)
    return results


def pct(values, p):
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1] if len(values) > 1 else values[0]


def report(args, timings, rebuild, wagtail):
    from django.conf import settings

    print(f"\nZHIKU_SEARCH_WINDOW={settings.ZHIKU_SEARCH_WINDOW}")
    print(f"{args.items} items; per class and engine at most {args.queries} queries or {args.budget:.0f} s; "
          f"timeout {args.timeout:.0f} s per query\n")
    if rebuild:
        print(f"rebuild, ours (index_entries: batches of 500, 2 processes read, segment and write, then optimize): "
              f"{rebuild:6.0f} items/s")
        print(f"rebuild, wagtail stock ({wagtail[0]}, chunks of 1000): {wagtail[1]:6.0f} items/s\n")
    print(f"{'class':<15}{'engine':<9}{'n':>5}{'t/o':>5}{'p50 ms':>10}{'p95 ms':>10}{'mean hits':>11}")
    ok_latency = ok_ratio = True
    for cls, cells in timings.items():
        for name, cell in cells.items():
            p50, p95 = (f"{'>' if v >= args.timeout * 1000 else ''}{v:.1f}" for v in
                        (pct(cell["ms"], 50), pct(cell["ms"], 95)))
            hits = f"{statistics.mean(cell['hits']):11.0f}" if cell["hits"] else f"{'-':>11}"
            print(f"{cls:<15}{name:<9}{len(cell['ms']):5d}{cell['timeouts']:5d}{p50:>10}{p95:>10}{hits}"
                  f"{' (LIMIT 20)' if name == 'bare' else ''}")
        bare, service, engine = (pct(cells[n]["ms"], 95) for n in ("bare", "service", "engine"))
        ranked = pct(cells["bare+rank"]["ms"], 95)
        print(f"{'':<15}p95 ratio service/bare {service / bare:.0f}x, engine/bare {engine / bare:.0f}x, "
              f"service/bare+rank {service / ranked:.2f}x\n")
        ok_latency &= service <= 50
        ok_ratio &= service <= 2 * bare
    met = {True: "met", False: "NOT met"}
    print("targets:")
    if rebuild:
        print(f"  rebuild >= 1,000 items/s ............ {met[rebuild >= 1000]} ({rebuild:.0f})")
    print(f"  service p95 <= 50 ms, every class ... {met[ok_latency]}")
    print(f"  service p95 <= 2x bare FTS5 p95 ..... {met[ok_ratio]}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--db", type=Path, default=Path("/tmp/zhiku-bench.sqlite3"))
    parser.add_argument("--queries", type=int, default=200, help="timed queries per class and engine")
    parser.add_argument("--budget", type=float, default=20.0, help="seconds per class and engine at most")
    parser.add_argument("--timeout", type=float, default=20.0, help="seconds per query at most")
    parser.add_argument("--reuse", action="store_true", help="time queries on an existing bench database")
    args = parser.parse_args()

    t0 = time.perf_counter()
    setup_django(args.db, fresh=not args.reuse)
    from django.contrib.auth.models import Group, User
    from wagtail.search.backends import get_search_backend

    from search.models import SearchEntry

    model, rebuild, wagtail = wagtail_model(), None, None
    if args.reuse:
        user, backend = User.objects.get(username="bench-reader"), get_search_backend(WAGTAIL_STOCK)
        args.items = SearchEntry.objects.count()
    else:
        print(f"migrated {args.db} in {time.perf_counter() - t0:.0f} s", flush=True)
        groups = [Group.objects.create(name=f"bench-g{i}") for i in range(1, 7)]
        user = User.objects.create_user("bench-reader")
        user.groups.add(groups[0])  # principals ['all', 'g<id>']
        done = {}
        for label, step in [("corpus", lambda: build_corpus(args.items, [g.pk for g in groups])),
                            ("our index", rebuild_ours), ("wagtail index", lambda: rebuild_wagtail(model))]:
            t0 = time.perf_counter()
            done[label] = step()
            print(f"{label} in {time.perf_counter() - t0:.0f} s", flush=True)
        rebuild, (backend, *wagtail) = done["our index"], done["wagtail index"]
    timings = time_queries(make_runners(user, backend, model), args.queries, args.budget, args.timeout)
    report(args, timings, rebuild, wagtail)
    print(f"database: {args.db} ({args.db.stat().st_size / 2**30:.1f} GiB)")


if __name__ == "__main__":
    main()
