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
WORD = re.compile(rf"(?P<cjk>[{CJK_CHAR}]+)|[^\W_{CJK_CHAR}]+(?:[-._/][^\W_{CJK_CHAR}]+)*", re.UNICODE)
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MAX_QUERY_CHARS = 256


@functools.cache
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


# Full-width ASCII and the ideographic space, which NFKC would fold too; folding them first
# leaves most Chinese text already NFKC-normal, and checking that is far cheaper than NFKC.
FULL_WIDTH = re.compile("[\uff01-\uff5e\u3000]+")
FULL_TO_HALF = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


def normalise(text):
    """Full-width to half-width (NFKC), lower case, traditional to simplified."""
    text = FULL_WIDTH.sub(lambda m: m.group().translate(FULL_TO_HALF), CONTROL.sub(" ", text or ""))
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    text = text.casefold()
    return _t2s().convert(text) if HAS_CJK.search(text) else text


def word_list(text):
    """The words of ``text`` as WORD finds them (findall would give only its named group)."""
    return [match.group() for match in WORD.finditer(text)]


CODE_SEPARATOR = re.compile(r"[-._/]")


def _segment(normal):
    """Space-separated words of normalised text: rjieba's search-mode words for Chinese; for
    codes their parts and then the whole code (bj1032 en 0042 bj1032-en-0042)."""
    import rjieba

    pieces = [(match.lastgroup, match.group()) for match in WORD.finditer(normal)]
    # One rjieba call for all Chinese runs (a call per run costs 3x as much); the newline
    # between runs comes back as a token of its own and splits the words by run again.
    cut = " ".join(rjieba.cut_for_search("\n".join(token for group, token in pieces if group == "cjk")))
    runs = iter(cut.split(" \n "))
    out = []
    for group, token in pieces:
        if group == "cjk":
            out.append(next(runs))
        elif CODE_SEPARATOR.search(token):
            out.extend(part for part in CODE_SEPARATOR.split(token) if part)
            out.append(token.replace("/", "-"))
        else:
            out.append(token)
    return " ".join(out)


def index_words(text):
    """Space-separated words of ``text`` for the words columns."""
    return _segment(normalise(text))


RUN_SEPARATOR = " x "  # a non-CJK token, so a phrase of characters never spans two runs


NOT_CJK = re.compile(f"[^{CJK_CHAR}]+")


def _chars(normal):
    return " ".join(NOT_CJK.sub("\x00", normal).strip("\x00")).replace("\x00", RUN_SEPARATOR.strip())


def index_chars(text):
    """Space-separated CJK characters of ``text``, runs kept apart by a separator token."""
    return _chars(normalise(text))


def index_terms(text):
    """``(index_words(text), index_chars(text))``, normalising once."""
    normal = normalise(text)
    return _segment(normal), _chars(normal)


def query_words(text):
    """Words of a query term as the index has them (segmented the same way)."""
    return _segment(normalise(text)).split()


def needs_characters(word):
    """Whether a query word (or the run of a Chinese phrase) must also be looked for as a run
    of characters: a single Chinese character, or Chinese with a piece that is not a word of
    rjieba's dictionary (识库, a piece across two words). Dictionary words are indexed where
    they occur, since search-mode segmentation also emits the words inside longer ones (知识
    in 知识库), so the phrase of their characters, the costly part of a query, adds next to
    nothing."""
    import rjieba

    if not CJK_RUN.fullmatch(word):
        return False
    return len(word) == 1 or not all(rjieba.has_word(piece) for piece in rjieba.cut(word))


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
    words = word_list(normal)
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
