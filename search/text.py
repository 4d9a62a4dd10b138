"""Chinese-aware text handling shared by every engine, at index and query time.

Normalisation folds full-width to half-width (NFKC), case, and traditional to simplified
Chinese (OpenCC). Segmentation (rjieba) yields words for ranking; every CJK character is also
indexed on its own so any substring, of one character or more, can be found as a phrase of
characters. English stemming is left to the engine's analyser (FTS5 porter, PostgreSQL
'english', Elasticsearch's stemmer), which sees the same tokens.
"""
import functools
import re
import unicodedata
from dataclasses import dataclass, field

CJK_CHAR = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
CJK_RUN = re.compile(f"[{CJK_CHAR}]+")
HAS_CJK = re.compile(f"[{CJK_CHAR}]")
# A "word" for us: a CJK run, or letters/digits with inner - . _ / (part numbers, versions).
WORD = re.compile(rf"[{CJK_CHAR}]+|[^\W_]+(?:[-._/][^\W_]+)*", re.UNICODE)
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MAX_QUERY_CHARS = 256


@functools.cache
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def normalise(text):
    """Full-width to half-width, lower case, traditional to simplified."""
    text = unicodedata.normalize("NFKC", CONTROL.sub(" ", text or "")).casefold()
    return _t2s().convert(text) if HAS_CJK.search(text) else text


def _words(text):
    import rjieba

    out = []
    for match in WORD.finditer(text):
        token = match.group()
        if CJK_RUN.fullmatch(token):
            out.extend(w for w in rjieba.cut_for_search(token) if w.strip())
        else:
            out.extend(part for part in re.split(r"[-._/]", token) if part)
            if token != out[-1]:
                out.append(token.replace("/", "-"))  # keep the whole code too: bj1032-en-0042
    return out


def index_words(text):
    """Space-separated words of ``text`` for the words columns."""
    return " ".join(_words(normalise(text)))


RUN_SEPARATOR = " x "  # a non-CJK token, so a phrase of characters never spans two runs


def index_chars(text):
    """Space-separated CJK characters of ``text``, runs kept apart by a separator token."""
    return RUN_SEPARATOR.join(" ".join(run) for run in CJK_RUN.findall(normalise(text)))


def query_words(text):
    """Words of a query term as the index has them (segmented the same way)."""
    return _words(normalise(text))


@dataclass
class Term:
    """One thing the user asked for: words that must appear together, in this order."""

    text: str
    words: list = field(default_factory=list)
    is_cjk: bool = False
    phrase: bool = False


@dataclass
class ParsedQuery:
    terms: list = field(default_factory=list)
    excluded: list = field(default_factory=list)

    @property
    def is_empty(self):
        return not self.terms


QUERY_PART = re.compile(r'(-?)"([^"]*)"|(-?)(\S+)')


def _term(text, phrase):
    normal = normalise(text)
    words = [m.group() for m in WORD.finditer(normal)]
    if not words:
        return None
    return Term(text=" ".join(words), words=words, is_cjk=bool(HAS_CJK.search(normal)), phrase=phrase)


def clean_query(raw):
    """The query as typed, cut to a sane length, without control characters."""
    return CONTROL.sub(" ", (raw or "")[:MAX_QUERY_CHARS])


def parse_query(raw):
    """Split a user's query into terms, "exact phrases" and -exclusions; anything else that
    engines treat as syntax (* ( ) : ^ ~ AND OR NEAR \\) is just text here."""
    raw = clean_query(raw)
    parsed = ParsedQuery()
    for match in QUERY_PART.finditer(raw):
        negate = match.group(1) or match.group(3)
        text = match.group(2) if match.group(2) is not None else match.group(4)
        if text.upper() in {"AND", "OR", "NOT", "NEAR"} and match.group(2) is None:
            text = text.lower()  # a word like any other, never an operator
        term = _term(text, phrase=match.group(2) is not None)
        if term is not None:
            (parsed.excluded if negate else parsed.terms).append(term)
    return parsed


def segmented(*texts):
    """Words and single characters of ``texts``, for a SearchField of Wagtail's own backend."""
    joined = "\n".join(t for t in texts if t)
    return f"{index_words(joined)} {index_chars(joined)}"
