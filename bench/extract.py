"""Extraction benchmark: Zhiku's pipeline against bare iscc-tika, in the same run.

Usage:
    python bench/extract.py DIR [--repeat N] [--make N]

Every regular file under DIR (recursively) is extracted by two engines:

* zhiku -- ``knowledge.extraction.extract_file``: size check, a request to the long-lived
  ``knowledge.tika_child`` subprocess, JSON reply over a pipe, then post-processing
  (strip, language detection with OpenCC, page count).
* bare tika -- ``iscc_tika.Extractor().extract_file_to_string`` in this process.

Both engines are warmed up with one untimed extraction (child start-up, library load). Then
R rounds (``--repeat``, default 3) each time the whole directory with both engines; the order
alternates per round so neither always runs on a warmer cache. Reported per engine: median
throughput over rounds (files/s), median per-file latency (over all rounds), ok/empty/failed
counts and total characters (of stripped text, from the last round). The target is zhiku
throughput >= 90% of bare.

``--make N`` first fills DIR with N generated Chinese docx/xlsx/pptx/pdf files built from the
demo articles (``portal.demo``).
"""
import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KINDS = ("docx", "xlsx", "pptx", "pdf")


def article_blocks(article):
    """The article as a list of plain-text paragraphs."""
    texts = [article["title"], article["summary"]]
    for kind, value in article["body"]:
        if kind in ("heading", "paragraph"):
            texts.append(value)
        elif kind == "bullets":
            texts.extend(value)
        elif kind == "table":
            texts.extend("  ".join(row) for row in value)
        elif kind == "code":
            texts.append(value["code"])
        else:
            texts.append(value["text"])
    return [t for t in texts if t.strip()]


def make_files(directory, count):
    from portal.demo import files, material

    directory.mkdir(parents=True, exist_ok=True)
    articles = material.ARTICLES
    for i in range(count):
        kind = KINDS[i % len(KINDS)]
        # 1-4 consecutive articles per file, so sizes vary from a page to a dozen.
        chosen = [articles[(i + k) % len(articles)] for k in range(1 + i % 4)]
        title = f"{chosen[0]['title']}（{i + 1}）"
        paragraphs = [p for a in chosen for p in article_blocks(a)]
        if kind == "docx":
            data = files.make_docx(title, paragraphs, table=[["序号", "段落"], *[[str(n + 1), p[:30]] for n, p in enumerate(paragraphs[:8])]])
        elif kind == "xlsx":
            data = files.make_xlsx(title, ["序号", "长度", "内容"], [[n + 1, len(p), p] for n, p in enumerate(paragraphs)])
        elif kind == "pptx":
            data = files.make_pptx(title, [(p[:20], [p[k:k + 60] for k in range(0, len(p), 60)]) for p in paragraphs])
        else:
            data = files.make_pdf(title, paragraphs)
        (directory / f"{i + 1:04d}.{kind}").write_bytes(data)
    print(f"made {count} files in {directory}")


def zhiku_engine():
    from knowledge.extraction import ExtractionFailed, extract_file

    def run(path):
        try:
            return extract_file(path).text
        except ExtractionFailed:
            return None
    return run


def bare_engine():
    # Caveat: Tika forks a `tesseract` probe ~4x per file, and fork cost grows with the forking
    # process; this process carries Django/Wagtail, the zhiku child does not, so bare is handicapped.
    from django.conf import settings
    from iscc_tika import Extractor

    extractor = Extractor()
    # Same string limit as the child sets, so the two outputs are comparable.
    extractor.set_extract_string_max_length(settings.ZHIKU_EXTRACT_MAX_CHARS)

    def run(path):
        try:
            text, _metadata = extractor.extract_file_to_string(str(path))
        except Exception:  # iscc-tika raises parse errors as TypeError("ParseError(...)") etc.
            return None
        return (text or "").strip()  # zhiku strips too
    return run


def run_round(engine, paths, stats):
    """Extract every file once; returns the wall time and records latencies and texts."""
    start = time.perf_counter()
    for path in paths:
        t0 = time.perf_counter()
        stats["texts"][path] = engine(path)
        stats["latencies"].append(time.perf_counter() - t0)
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dir", type=Path)
    parser.add_argument("--repeat", type=int, default=3, help="rounds over the directory (default 3)")
    parser.add_argument("--make", type=int, metavar="N", help="first generate N office files in DIR")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings

    if args.make:
        make_files(args.dir, args.make)
    paths = sorted(p for p in args.dir.rglob("*") if p.is_file()) if args.dir.is_dir() else []
    if not paths:
        print(f"no files in {args.dir} (missing or empty); use --make N to generate some", file=sys.stderr)
        sys.exit(2)
    if settings.TIKA_SERVER_URL:
        print("note: TIKA_SERVER_URL is set, so 'zhiku' measures the Tika server backend")

    engines = {"zhiku": zhiku_engine(), "bare tika": bare_engine()}
    for engine in engines.values():
        engine(paths[0])  # warm-up, untimed
    stats = {name: {"rates": [], "latencies": [], "texts": {}} for name in engines}
    names = list(engines)
    for round_no in range(args.repeat):
        for name in names if round_no % 2 == 0 else names[::-1]:
            seconds = run_round(engines[name], paths, stats[name])
            stats[name]["rates"].append(len(paths) / seconds)
            print(f"round {round_no + 1}  {name:<10} {len(paths) / seconds:8.1f} files/s  ({seconds:.2f} s)")

    print(f"\n{len(paths)} files, {args.repeat} rounds\n")
    print(f"{'engine':<12}{'files/s':>9}{'median ms/file':>17}{'ok':>6}{'empty':>7}{'failed':>8}{'chars':>11}")
    for name, s in stats.items():
        texts = s["texts"].values()
        failed = sum(t is None for t in texts)
        empty = sum(t == "" for t in texts)
        chars = sum(len(t) for t in texts if t)
        print(f"{name:<12}{statistics.median(s['rates']):9.1f}{statistics.median(s['latencies']) * 1000:17.1f}"
              f"{len(paths) - failed - empty:6d}{empty:7d}{failed:8d}{chars:11d}")
    ratio = statistics.median(stats["zhiku"]["rates"]) / statistics.median(stats["bare tika"]["rates"])
    print(f"ratio (zhiku/bare throughput): {ratio:.2f}  (target >= 0.90: {'met' if ratio >= 0.9 else 'NOT met'})")

    differing = []
    for path in paths:
        ours, bare = (len(stats[n]["texts"][path] or "") for n in names)
        if abs(ours - bare) > 0.01 * max(ours, bare):
            differing.append(f"  {path.relative_to(args.dir)}: zhiku {ours} chars, bare {bare} chars")
    if differing:
        print(f"warning: text length differs by more than 1% for {len(differing)} file(s):", *differing, sep="\n")


if __name__ == "__main__":
    main()
