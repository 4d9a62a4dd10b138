"""Question matching: which stored question, alternative phrasing or answer is most like a
question asked in someone's own words (the FAQ answer finder, similar questions while asking).

Full-text search answers "which items contain these words"; matching asks "which phrasing
says the same thing". Each phrasing is a row of its own, with the words that carry its
meaning: text normalised (full/half width, case, traditional -> simplified), segmented with
rjieba's search mode (so 信用卡 also gives 信用), question words and particles dropped, and
customers' synonyms folded (``data/question_synonyms.txt``), each Chinese word's characters
added. Candidates come from an
inverted index in the database, weighted by inverse document frequency; the best are
re-scored by how much of the question a phrasing covers and how much of the phrasing the
question covers, and by character similarity (rapidfuzz), which catches what segmentation
splits differently.
"""
import functools
import html
import math
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from django.db import connection, transaction
from django.db.models import Case, Count, FloatField, Sum, Value, When
from rapidfuzz import fuzz

from .models import MatchPhrase, MatchTerm, MatchTermCount
from .text import CJK_RUN, WORD, normalise

SYNONYM_FILE = Path(__file__).parent / "data" / "question_synonyms.txt"
# Question words, pronouns, particles and politeness: they say that something is asked, not what.
STOP_WORDS = set(
    "我 你 您 他 她 它 我们 你们 他们 咱 咱们 的 地 得 了 着 过 吗 呢 吧 啊 呀 么 嘛 哦 哈 喔 嗯 是 在 有 没 没有 和 与 及 "
    "或 或者 就 都 也 还 又 要 想 想要 能 能够 可以 可 会 该 应该 应当 需要 需 请问 请 一下 下 个 这 那 这个 那个 这样 那样 "
    "哪 哪里 哪儿 哪个 哪些 什么 啥 为什么 为啥 怎么 如何 怎样 怎么样 咋 咋样 怎么办 多少 几 一 些 一些 时候 的话 如果 "
    "是否 是不是 能否 能不能 可不可以 给 把 被 让 到 从 对 向 于 上 中 里 喂 您好 你好 谢谢 麻烦 问 问问 问一下 知道 "
    "想问 请教 帮 帮忙 帮我 一个 现在 已经 刚才 刚刚 然后 但是 可是 所以 因为 不 吗 呢 么 啦 哎 诶 办法 方法 问题 情况 "
    "来 去 了 么 哪 给 过 咋办 咋整 怎么弄 怎么搞 "
    "the a an is are do does how what why can i my to of in on for".split()
)
MAX_TERMS = 32  # of a question; more says nothing new and costs
MAX_QUESTION_CHARS = 500  # a pasted e-mail is cut here
CANDIDATES = 300  # phrasings taken from the index before re-scoring
RESCORED = 80
COMMON = 0.015  # terms in more phrases than this share only re-score candidates, never find them
CHARACTER_WEIGHT = 0.5
MIN_SCORE = 0.15  # below: a shared word or two by chance (off-topic questions score under 0.1)


@functools.cache
def synonyms():
    """{word: the first word of its group}."""
    folded = {}
    for line in SYNONYM_FILE.read_text(encoding="utf-8").splitlines():
        words = [normalise(w) for w in line.split()] if not line.startswith("#") else []
        for word in words[1:]:
            folded.setdefault(word, words[0])
    return folded


@functools.cache
def _phrase_pattern():
    """Synonyms of two or more characters, the longest first, to replace inside a text."""
    words = sorted((w for w in synonyms() if len(w) > 1), key=len, reverse=True)
    return re.compile("|".join(re.escape(w) for w in words))


def _replaced(normal):
    return _phrase_pattern().sub(lambda m: synonyms()[m.group()], normal)


def _fold(word):
    word = synonyms().get(word, word)
    return None if word in STOP_WORDS else word[:64]


def _words(normal):
    """(word, start, end) of normalised text as rjieba's precise mode cuts it."""
    import rjieba

    for match in WORD.finditer(normal):
        if match.lastgroup == "cjk":
            for word, start, end in rjieba.tokenize(match.group()):
                yield word, match.start() + start, match.start() + end
        else:
            yield match.group(), match.start(), match.end()


def _terms_of_word(word):
    """A word's terms: itself, folded, and for Chinese the shorter words search mode finds in
    it and its characters. Colloquial questions are segmented unlike the written ones (修车
    against 维修, 内网 against 网络): the characters still meet, and weigh less, being common."""
    import rjieba

    if _fold(word) is None:
        return set()
    if not CJK_RUN.fullmatch(word) or len(word) == 1:
        pieces = []
    else:
        pieces = [*(rjieba.cut_for_search(word) if len(word) > 2 else []), *word]
    return {t for t in (_fold(p) for p in [word, *pieces]) if t}


def match_terms(text):
    """The terms of a question or phrasing, in order, each once."""
    terms = {}
    for word, _start, _end in _words(_replaced(normalise(text))):
        for term in sorted(_terms_of_word(word)):
            terms.setdefault(term, None)
    return list(terms)


def store(entry, phrases):
    """Replace the match phrases of a SearchEntry with ``phrases``: [(role, text)]."""
    counts = _counts_of(MatchPhrase.objects.filter(entry=entry), sign=-1)
    MatchPhrase.objects.filter(entry=entry).delete()
    rows = []
    for role, text in phrases:
        terms = match_terms(text)
        if terms:
            rows.append(MatchPhrase(entry=entry, kind=entry.kind, role=role, text=text[:4000], terms=" ".join(terms)))
    MatchPhrase.objects.bulk_create(rows)
    MatchTerm.objects.bulk_create(
        [MatchTerm(phrase=row, term=term, kind=entry.kind) for row in rows for term in row.terms.split()])
    for row in rows:
        counts[(row.kind, "")] += 1
        for term in row.terms.split():
            counts[(row.kind, term)] += 1
    _add_counts(counts)


def forget(entries):
    """Before SearchEntry rows are deleted (their phrases go with them): uncount their terms."""
    _add_counts(_counts_of(MatchPhrase.objects.filter(entry__in=entries), sign=-1))


def _counts_of(phrases, sign):
    counts = Counter()
    for kind, terms in phrases.values_list("kind", "terms"):
        counts[(kind, "")] += sign
        for term in terms.split():
            counts[(kind, term)] += sign
    return counts


def _add_counts(counts):
    rows = [(kind, term, n) for (kind, term), n in counts.items() if n]
    if not rows:
        return
    table = connection.ops.quote_name(MatchTermCount._meta.db_table)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} (kind, term, phrases) VALUES (%s, %s, %s) ON CONFLICT (kind, term) "
            f"DO UPDATE SET phrases = {table}.phrases + excluded.phrases", rows)


@transaction.atomic
def recount():
    """Count every term again from the index (after a rebuild, or to repair the counts)."""
    MatchTermCount.objects.all().delete()
    terms = MatchTerm.objects.values("kind", "term").annotate(n=Count("id")).order_by()
    phrases = MatchPhrase.objects.values("kind").annotate(n=Count("id")).order_by()
    MatchTermCount.objects.bulk_create(
        [MatchTermCount(kind=row["kind"], term=row["term"], phrases=row["n"]) for row in terms.iterator()]
        + [MatchTermCount(kind=row["kind"], term="", phrases=row["n"]) for row in phrases], batch_size=5000)


def may_read(entry_principals, principals):
    """Whether a reader with ``principals`` tokens (None: everything) may read an entry."""
    return principals is None or not set(entry_principals.split()).isdisjoint(principals)


def _document_frequencies(terms, kinds):
    """{term: phrases of ``kinds`` that have it}, for the terms any phrase has."""
    rows = (MatchTermCount.objects.filter(term__in=list(terms), kind__in=kinds).values("term")
            .annotate(n=Sum("phrases")).values_list("term", "n"))
    return {term: n for term, n in rows if n > 0}


def _phrase_total(kinds):
    return MatchTermCount.objects.filter(term="", kind__in=kinds).aggregate(n=Sum("phrases"))["n"] or 0


def _weight(term, idf):
    """A single Chinese character, often only a piece of a word, weighs half its idf."""
    return idf * CHARACTER_WEIGHT if len(term) == 1 and CJK_RUN.match(term) else idf


def _idf(df, total):
    return math.log(1 + (total - df + 0.5) / (df + 0.5))


def _compact(normal):
    """The words of normalised text without punctuation or spaces, synonyms folded."""
    return "".join(word for word, _s, _e in _words(_replaced(normal)))


@dataclass
class Match:
    entry: object  # SearchEntry
    score: float  # 0..1
    phrase: str  # the phrasing that matched best
    phrase_html: str  # the same, escaped, with the shared words in <mark>
    role: str


def highlight(text, terms):
    """``text`` HTML-escaped with the words that give any of ``terms`` in <mark>."""
    normal = normalise(text)
    shown = text if len(normal) == len(text) else normal
    out, last = [], 0
    for word, start, end in _words(normal):
        if not terms.isdisjoint(match_terms(word)):
            out += [html.escape(shown[last:start]), "<mark>", html.escape(shown[start:end]), "</mark>"]
            last = end
    out.append(html.escape(shown[last:]))
    return "".join(out)


def _score(role, q_cover, p_cover, chars):
    if role == MatchPhrase.Role.ANSWER:
        return 0.5 * q_cover  # the answer speaks of it: a hint, never as good as the question
    both = 2 * q_cover * p_cover / (q_cover + p_cover) if q_cover and p_cover else 0.0
    return 0.75 * both + 0.25 * chars


def match(text, principals, kinds=("faq",), limit=5, nodes=(), min_score=MIN_SCORE):
    """The items of ``kinds`` whose phrasings best match ``text``, best first, that a reader
    with ``principals`` may read (None: everything), within the dimension ``nodes`` if any."""
    kinds = list(kinds)
    text = (text or "")[:MAX_QUESTION_CHARS]
    query_terms = match_terms(text)[:MAX_TERMS]
    if not query_terms:
        return []
    total = _phrase_total(kinds)
    df = _document_frequencies(query_terms, kinds)
    idf = {t: _weight(t, _idf(n, total)) for t, n in df.items()}
    if not idf:
        return []
    # Words of the question that no phrasing has are part of what it asks: they weigh as
    # the rarest words do, so a question about something unknown matches nothing well.
    query_weight = sum(idf.values()) + sum(_weight(t, _idf(0, total)) for t in query_terms if t not in idf)
    # Candidates are the phrases with a distinctive term of the question, ranked by all its
    # terms: reading every posting of a term half the phrases have would cost more than
    # everything else, and such a term alone finds nothing worth having.
    finding = [t for t in idf if df[t] <= COMMON * total] or sorted(idf, key=df.get)[:3]
    with_distinctive = MatchTerm.objects.filter(term__in=finding, kind__in=kinds).values("phrase_id")
    weight = Case(*[When(term=t, then=Value(w)) for t, w in idf.items()], output_field=FloatField())
    candidate_ids = list(
        MatchTerm.objects.filter(phrase_id__in=with_distinctive, term__in=list(idf)).values("phrase_id")
        .annotate(s=Sum(weight)).order_by("-s").values_list("phrase_id", flat=True)[:CANDIDATES])
    phrases = (MatchPhrase.objects.filter(pk__in=candidate_ids).select_related("entry")
               .defer("entry__body", "entry__attachments", "entry__keywords", "entry__summary"))
    wanted_nodes = {str(n) for n in nodes}
    readable = [p for p in phrases if may_read(p.entry.principals, principals)
                and (not wanted_nodes or wanted_nodes & set(p.entry.nodes.split()))]
    first = sorted(readable, key=lambda p: -sum(idf.get(t, 0) for t in set(p.terms.split())))[:RESCORED]
    phrase_idf = {t: _weight(t, _idf(n, total)) for t, n in _document_frequencies(
        {t for p in first for t in p.terms.split()}, kinds).items()}
    query_compact = _compact(normalise(text))
    best = {}
    for phrase in first:
        terms = set(phrase.terms.split())
        shared = terms & idf.keys()
        q_cover = sum(idf[t] for t in shared) / query_weight
        p_cover = sum(phrase_idf.get(t, 0) for t in shared) / (sum(phrase_idf.get(t, 0) for t in terms) or 1)
        chars = fuzz.ratio(query_compact, _compact(normalise(phrase.text[:300]))) / 100
        score = _score(phrase.role, q_cover, p_cover, chars)
        current = best.get(phrase.entry_id)
        if current is None or score > current[0]:
            best[phrase.entry_id] = (score, phrase, shared)
    ranked = sorted(best.values(), key=lambda item: (-item[0], item[1].entry_id))
    return [
        Match(entry=phrase.entry, score=round(score, 3), phrase=phrase.text,
              phrase_html=highlight(phrase.text, shared), role=phrase.role)
        for score, phrase, shared in ranked[:limit] if score >= min_score
    ]
