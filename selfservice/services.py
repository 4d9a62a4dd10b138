"""The rules of the public self-service site: which pages anonymous customers may read, and
everything the site shows, computed from those pages only.

``is_public`` is the one rule. It is the rule the search catalogue encodes with its "public"
token (search.registry.principals_for_page): a live FAQ entry or article whose audience is
public, inside a knowledge space, not in the trash, with no view restriction on it or on any
ancestor. Every list, count, link and lookup of this module passes through it, so even a
catalogue that is behind (a page made internal a moment ago) or wrong shows nothing internal.

Nothing here ever returns an internal URL: items are linked by their /help/ URLs, and links
inside answers and article bodies are rewritten (public pages) or unwrapped (the rest).
"""
import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

from bs4 import BeautifulSoup, CData, Comment, Declaration, Doctype, ProcessingInstruction
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from wagtail.models import Page, PageViewRestriction, Site

from faq.models import AnswerVote, Channel, FAQEntryPage
from faq.services import feedback
from knowledge.models import ArticlePage, Audience, DimensionNode, KnowledgeSpacePage, TrashBinPage
from knowledge.services import dimensions
from search import matching, registry, service
from search.models import SearchEntry, principals_q
from search.text import QUERY_PART, clean_query, normalise, parse_query

FAQ, ARTICLE = "faq", "article"
KINDS = (FAQ, ARTICLE)
MODELS = {FAQ: FAQEntryPage, ARTICLE: ArticlePage}
KEY_MODELS = {model._meta.label_lower: model for model in MODELS.values()}
PER_PAGE = 10
WINDOW = 100  # search hits checked at once; up to this many, counts and pages are exact
HOME_LIST = 5
RELATED = 5
CATEGORY_PER_PAGE = 20
SUGGESTIONS = 8
SUGGEST_CHARS = 64
BEST_ANSWERS = 3  # the best is shown with its answer, the others as "similar questions"
BEST_MIN_SCORE = 0.4  # a match on the answer's words alone is not an answer to the question
MAX_ID = 2**63 - 1  # larger ids are not ids (and would overflow the database's integers)
HELPFUL = {"yes": True, "no": False}


# --- The rule -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Tree:
    """What ``is_public`` needs to know about the page tree, read once per request: the paths of
    knowledge spaces, of trash bins and of restricted pages (an alias counts as restricted when
    its source is, as in Page.get_view_restrictions)."""

    spaces: tuple
    trash: tuple
    restricted: tuple


def load_tree():
    restricted_ids = set(PageViewRestriction.objects.values_list("page_id", flat=True))
    restricted = set(Page.objects.filter(pk__in=restricted_ids, alias_of__isnull=True).values_list("path", flat=True))
    restricted |= set(Page.objects.filter(alias_of_id__in=restricted_ids).values_list("path", flat=True))
    return Tree(
        spaces=tuple(KnowledgeSpacePage.objects.values_list("path", flat=True)),
        trash=tuple(TrashBinPage.objects.values_list("path", flat=True)),
        restricted=tuple(restricted),
    )


def is_public(page, tree=None):
    """Whether anonymous customers may read ``page`` (a specific page object, or None): a live,
    unexpired FAQ entry or article marked public, below a knowledge space, not in the trash,
    and with no view restriction (of any kind: groups, password or login) on it or on any of
    its ancestors. The only decision of this kind on the public site."""
    if not isinstance(page, tuple(MODELS.values())) or page.pk is None:
        return False
    if not page.live or page.audience != Audience.PUBLIC:
        return False
    if page.expire_at is not None and page.expire_at <= timezone.now():
        return False
    tree = tree or load_tree()
    path = page.path
    return (any(path.startswith(space) and path != space for space in tree.spaces)
            and not any(path.startswith(trash) for trash in tree.trash)
            and not any(path.startswith(restricted) for restricted in tree.restricted))


def _valid_id(pk):
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return pk if 0 < pk <= MAX_ID else None


def public_page(kind, pk, tree=None):
    """The public page of ``kind`` with id ``pk``, or None: missing and internal look the same."""
    model, pk = MODELS.get(kind), _valid_id(pk)
    if model is None or pk is None:
        return None
    page = model.objects.filter(pk=pk).first()
    return page if is_public(page, tree) else None


def kind_of(page):
    return FAQ if isinstance(page, FAQEntryPage) else ARTICLE


def public_url(page):
    return reverse("selfservice:faq" if kind_of(page) == FAQ else "selfservice:article", args=[page.pk])


def _public_pages_by_id(ids, tree, model=Page):
    """{id: page} of the pages among ``ids`` that are public."""
    ids = {pk for pk in (_valid_id(i) for i in ids) if pk is not None}
    if not ids:
        return {}
    pages = model.objects.filter(pk__in=ids)
    if model is Page:
        pages = pages.specific()
    return {page.pk: page for page in pages if is_public(page, tree)}


def pages_for_keys(keys, tree):
    """{catalogue key: public page} for the keys that name a public page."""
    wanted = {}
    for key in keys:
        label, _sep, pk = key.partition(":")
        if label in KEY_MODELS and _valid_id(pk):
            wanted.setdefault(KEY_MODELS[label], {})[int(pk)] = key
    found = {}
    for model, ids in wanted.items():
        for pk, page in _public_pages_by_id(ids, tree, model).items():
            found[ids[pk]] = page
    return found


# --- Lists of public items ----------------------------------------------------------------------

LIST_FIELDS = ("id", "path", "depth", "live", "audience", "expire_at", "title", "last_published_at")


def _candidates(model, **filters):
    """Pages of ``model`` that may be public (the database narrows, ``is_public`` decides), with
    only the fields lists show."""
    fields = LIST_FIELDS + (("summary",) if model is ArticlePage else ())
    return model.objects.live().filter(audience=Audience.PUBLIC, **filters).only(*fields)


def _public_list(tree, **filters):
    return [page for model in MODELS.values() for page in _candidates(model, **filters) if is_public(page, tree)]


def item(page, snippet=""):
    """How a public page appears in a list: nothing but its public face."""
    return {
        "title": page.title,
        "url": public_url(page),
        "kind": kind_of(page),
        "kind_label": _("Question") if kind_of(page) == FAQ else _("Article"),
        "summary": getattr(page, "summary", ""),
        "snippet": snippet,
        "date": page.last_published_at,
    }


def _recent(pages, limit):
    epoch = timezone.now().replace(year=1970)
    return sorted(pages, key=lambda p: (p.last_published_at or epoch, p.pk), reverse=True)[:limit]


def _node_paths(pages):
    """{page id: set of node paths, ancestors included} of the active nodes of ``pages``."""
    paths = {}
    for model in MODELS.values():
        ids = [p.pk for p in pages if isinstance(p, model)]
        if not ids:
            continue
        field = model._meta.get_field("nodes")
        page_column, node = field.m2m_field_name(), field.m2m_reverse_field_name()
        rows = field.remote_field.through.objects.filter(
            **{f"{page_column}_id__in": ids, f"{node}__merged_into__isnull": True}
        ).values_list(f"{page_column}_id", f"{node}__path")
        step = DimensionNode.steplen
        for page_id, path in rows:
            paths.setdefault(page_id, set()).update(path[:i] for i in range(step, len(path) + 1, step))
    return paths


def _categories(pages, depth=1, under=""):
    """[{url, label, count}] of the active dimension nodes at ``depth`` (below ``under``) that
    hold public ``pages``, each with how many of them it holds, itself or below."""
    counts = {}
    for node_paths in _node_paths(pages).values():
        for path in node_paths:
            counts[path] = counts.get(path, 0) + 1
    nodes = list(DimensionNode.objects.filter(
        path__in=[p for p in counts if p.startswith(under)], depth=depth, merged_into__isnull=True,
    ).select_related("dimension"))
    labels = dimensions.labels(nodes, with_dimension=not under)
    rows = [{"url": reverse("selfservice:category", args=[n.pk]), "label": labels[n.pk], "count": counts[n.path],
             "order": (n.dimension.sort_order, n.dimension.name, n.path)} for n in nodes]
    rows.sort(key=lambda row: row["order"])
    return rows


def _most_helpful(pages, limit):
    """FAQ entries among ``pages`` that most customers and agents found helpful."""
    by_id = {p.pk: p for p in pages if isinstance(p, FAQEntryPage)}
    rows = (AnswerVote.objects.filter(page_id__in=list(by_id)).values("page_id")
            .annotate(up=Count("pk", filter=Q(helpful=True)), down=Count("pk", filter=Q(helpful=False)))
            .filter(up__gt=0))
    ranked = sorted(rows, key=lambda r: (-(r["up"] - r["down"]), -r["up"], r["page_id"]))
    return [by_id[r["page_id"]] for r in ranked[:limit]]


def home():
    tree = load_tree()
    pages = _public_list(tree)
    entries = [p for p in pages if isinstance(p, FAQEntryPage)]
    articles = [p for p in pages if isinstance(p, ArticlePage)]
    return {
        "categories": _categories(pages),
        "helpful": [item(p) for p in _most_helpful(entries, HOME_LIST)],
        "recent": [item(p) for p in _recent(entries, HOME_LIST)],
        "articles": [item(p) for p in _recent(articles, HOME_LIST)],
    }


def _pages_in_nodes(node_paths, tree):
    """Public pages filed in any node whose path starts with one of ``node_paths``."""
    if not node_paths:
        return []
    within = Q()
    for path in node_paths:
        within |= Q(path__startswith=path)
    node_ids = DimensionNode.objects.filter(within).values("pk")
    pages = []
    for model in MODELS.values():
        through = model._meta.get_field("nodes").remote_field.through
        field = model._meta.get_field("nodes")
        page_ids = through.objects.filter(**{f"{field.m2m_reverse_field_name()}_id__in": node_ids}).values(
            f"{field.m2m_field_name()}_id")
        pages += [p for p in _candidates(model, pk__in=page_ids) if is_public(p, tree)]
    return pages


def category(node_id, page_number=1):
    """A dimension node as a category of public items, or None when it holds none: a node of
    internal items only does not exist on the public site."""
    node_id = _valid_id(node_id)
    node = DimensionNode.objects.filter(pk=node_id, merged_into__isnull=True).select_related(
        "dimension").first() if node_id else None
    if node is None:
        return None
    tree = load_tree()
    pages = _pages_in_nodes([node.path], tree)
    if not pages:
        return None
    pages.sort(key=lambda p: (0 if isinstance(p, FAQEntryPage) else 1, p.title, p.pk))
    paginator = Paginator(pages, CATEGORY_PER_PAGE)
    listing = paginator.get_page(page_number)
    return {
        "title": dimensions.labels([node])[node.pk],
        "description": node.description,
        "subcategories": _categories(pages, depth=node.depth + 1, under=node.path),
        "items": [item(p) for p in listing],
        "count": paginator.count,
        "page_obj": listing,
    }


def _node_links(page):
    nodes = list(page.nodes.filter(merged_into__isnull=True))
    labels = dimensions.labels(nodes)
    return sorted(({"url": reverse("selfservice:category", args=[n.pk]), "label": labels[n.pk]} for n in nodes),
                  key=lambda link: link["label"])


def _related(page, tree, extra=()):
    """Other public items in the same categories (and ``extra`` public pages first)."""
    paths = list(page.nodes.filter(merged_into__isnull=True).values_list("path", flat=True))
    seen, out = {page.pk}, []
    for other in list(extra) + _recent(_pages_in_nodes(paths, tree), RELATED * 2):
        if other.pk not in seen and len(out) < RELATED:
            seen.add(other.pk)
            out.append(item(other))
    return out


def thanks_message(voted):
    """The message after a vote (the vote redirects to the page with ?voted=yes|no)."""
    if voted == "yes":
        return _("Thank you! We are glad this helped.")
    if voted == "no":
        return _("Thank you for telling us. We will use your feedback to improve this answer.")
    return ""


def faq_detail(pk, voted=""):
    tree = load_tree()
    page = public_page(FAQ, pk, tree)
    if page is None:
        return None
    return {
        "title": page.title,
        "answer_html": public_html(page.answer, tree),
        "phrasings": page.phrasing_list(),
        "categories": _node_links(page),
        "date": page.last_published_at,
        "vote_url": reverse("selfservice:faq_vote", args=[page.pk]),
        "thanks": thanks_message(voted),
        "related": _related(page, tree),
    }


def article_detail(pk, voted=""):
    tree = load_tree()
    page = public_page(ARTICLE, pk, tree)
    if page is None:
        return None
    linked = [link.target_id for link in page.related_links.all()]
    linked_pages = _public_pages_by_id(linked, tree, ArticlePage)
    return {
        "title": page.title,
        "summary": page.summary,
        "blocks": public_body(page, tree),
        "categories": _node_links(page),
        "date": page.last_published_at,
        "vote_url": reverse("selfservice:article_vote", args=[page.pk]),
        "thanks": thanks_message(voted),
        "related": _related(page, tree, extra=[linked_pages[i] for i in linked if i in linked_pages]),
    }


# --- Search ---------------------------------------------------------------------------------------

ENGLISH_SUFFIXES = ("ing", "ed", "es", "s", "ly")


def public_query(q):
    """The query without its -exclusions: an exclusion also looks into attachments, so which
    public article it removes would tell something about documents that are never public."""
    parts = []
    for match in QUERY_PART.finditer(clean_query(q)):  # as search.text.parse_query reads it
        if match.group(2) is not None and not match.group(1):
            parts.append(f'"{match.group(2)}"')
        elif match.group(4) is not None and not match.group(3):
            parts.append(match.group(4))
    return " ".join(parts)


def _word_in(word, text):
    if word in text:
        return True
    for suffix in ENGLISH_SUFFIXES:  # the engine stems English words; roughly the same here
        if word.isascii() and word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[:-len(suffix)] in text
    return False


def _matches_own_text(entry, q):
    """Whether a query term is in the item's own text, not only in its attachments:
    attachments are documents, never public, so a hit found through them would hint at them.
    (Terms are alternatives for the engines; the words of one term must all be there.)"""
    text = normalise(" ".join([entry.title, entry.keywords, entry.summary, entry.body]))
    return any(all(_word_in(word, text) for word in term.words) for term in parse_query(q).terms)


def _best_answers(q, tree):
    """The public FAQ entries that best answer ``q`` as a question, best first."""
    principals = registry.principals_for_user(AnonymousUser())
    found = matching.match(q, principals, kinds=(FAQ,), limit=BEST_ANSWERS, min_score=BEST_MIN_SCORE)
    pages = pages_for_keys([m.entry.key for m in found], tree)
    return [pages[m.entry.key] for m in found if m.entry.key in pages]


def _public_hits(response, q, tree):
    """The hits of an engine response that the public may see, as items, and how many were not."""
    pages = pages_for_keys([hit.key for hit in response.hits], tree)
    with_attachments = {e.key: e for e in SearchEntry.objects.filter(
        key__in=[hit.key for hit in response.hits], attachment_count__gt=0).only(
        "key", "title", "keywords", "summary", "body")}
    items = []
    for hit in response.hits:
        page = pages.get(hit.key)
        if page is None:  # the catalogue is behind the page tree (the worker is on its way)
            continue
        if hit.key in with_attachments and not _matches_own_text(with_attachments[hit.key], q):
            continue  # found through an attachment only
        items.append(item(page, snippet="" if hit.matched_attachment else hit.snippet))
    return items, len(response.hits) - len(items)


def search(q, page_number=1):
    """Public FAQ entries and articles for a query: the best answer first (page 1), then the
    hits, as public items; a query that finds nothing is recorded for the knowledge team.

    Every hit is checked against the page tree before it is shown or counted. The first
    ``WINDOW`` hits are checked at once, so up to that many results the count and the pages
    are exact; past it the engine pages and the count is corrected by what the checks drop."""
    q = public_query(q)
    page = service.page_number(page_number)
    anonymous = AnonymousUser()
    filters = {"kind": list(KINDS)}
    tree = load_tree()
    window = service.search(anonymous, q, filters, page=1, per_page=WINDOW, log=False)
    items, dropped = _public_hits(window, q, tree)
    engine_total = window.total if window.total_exact else service.count(anonymous, q, filters)
    start = (page - 1) * PER_PAGE
    if engine_total <= len(window.hits):
        total, hits = len(items), items[start:start + PER_PAGE]
    elif start + PER_PAGE <= len(items):
        total, hits = engine_total - dropped, items[start:start + PER_PAGE]
    else:
        response = service.search(anonymous, q, filters, page=page, per_page=PER_PAGE, log=False)
        hits, more_dropped = _public_hits(response, q, tree)
        total = max(engine_total - dropped - more_dropped, start + len(hits))
    searched = bool(q.strip()) and not window.message
    best = _best_answers(q, tree) if searched and page == 1 else []
    if searched and page == 1:
        service.log_query(None, q, total, source="public")
        if total == 0 and not best:
            feedback.record_unanswered(q, None, Channel.PUBLIC)
    num_pages = max(1, min(-(-total // PER_PAGE), service.MAX_PAGE))
    return {
        "q": q,
        "message": window.message,
        "searched": searched,
        "hits": hits,
        "total": total,
        "page": page,
        "num_pages": num_pages,
        "previous_page": page - 1 if page > 1 else None,
        "next_page": page + 1 if page < num_pages else None,
        "best": {"title": best[0].title, "url": public_url(best[0]), "answer_html": public_html(best[0].answer, tree)}
        if best else None,
        "similar": [item(p) for p in best[1:]],
    }


def suggestions(prefix):
    """[{title, url}] of public items whose titles start with (or, for Chinese, contain) the prefix."""
    prefix = clean_query(prefix)[:SUGGEST_CHARS]
    titles = service.suggest(AnonymousUser(), prefix, limit=SUGGESTIONS)
    if not titles:
        return []
    rows = (SearchEntry.objects.filter(title__in=titles, kind__in=KINDS)
            .filter(principals_q([registry.PUBLIC])).order_by("pk").values_list("key", "title"))
    rows = list(rows)
    pages = pages_for_keys([key for key, _title in rows], load_tree())
    by_title = {}
    for key, title in rows:
        if key in pages:
            by_title.setdefault(title, pages[key])
    return [{"title": title, "url": public_url(by_title[title])} for title in titles if title in by_title]


# --- Feedback -------------------------------------------------------------------------------------

def parse_helpful(value):
    return HELPFUL.get((value or "").strip().lower())


def record_vote(page, helpful, session):
    """One vote per browser session and page: voting again changes it, a repeat counts once."""
    if not session.session_key:
        session["selfservice_voter"] = True  # modified: the middleware sends the session cookie
        session.save()
    feedback.vote(page, helpful, session_key=session.session_key, channel=Channel.PUBLIC)
    return f"{public_url(page)}?voted={'yes' if helpful else 'no'}#feedback"


# --- What answers and articles look like to the public --------------------------------------------

ALLOWED_TAGS = {
    "p", "br", "b", "strong", "i", "em", "u", "s", "sub", "sup", "ol", "ul", "li", "h2", "h3", "h4", "h5", "h6",
    "blockquote", "code", "pre", "a", "hr", "table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "rel"}, "ol": {"start"}, "th": {"colspan", "rowspan", "scope"},
                      "td": {"colspan", "rowspan"}}
# Gone with their content: images and embeds come from internal URLs, the rest is active content.
DROPPED_TAGS = [
    "embed", "img", "picture", "video", "audio", "source", "track", "iframe", "object", "script", "style", "link",
    "meta", "form", "input", "button", "select", "textarea", "svg", "math", "template", "noscript", "canvas", "head",
    "title", "base",
]
INTRANET_SUFFIXES = (".local", ".localdomain", ".lan", ".internal", ".intranet", ".corp", ".home", ".arpa")


def _own_hosts():
    hosts = {h.lower().lstrip(".") for h in settings.ALLOWED_HOSTS if h and h != "*"}
    hosts.add((urlsplit(getattr(settings, "WAGTAILADMIN_BASE_URL", "")).hostname or "").lower())
    hosts |= {h.lower() for h in Site.objects.values_list("hostname", flat=True)}
    return {h for h in hosts if h}


def _external_href(href, own_hosts):
    """``href`` when it leads out of the intranet (a web site, mail, phone), else None."""
    href = (href or "").strip()
    try:
        parts = urlsplit(href)
        host = (parts.hostname or "").lower().rstrip(".")
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme in ("mailto", "tel"):
        return href
    if scheme not in ("http", "https") or not host or "." not in host or host.endswith(INTRANET_SUFFIXES):
        return None
    if any(host == own or host.endswith(f".{own}") for own in own_hosts):
        return None
    try:
        if not ipaddress.ip_address(host.strip("[]")).is_global:
            return None
    except ValueError:
        pass
    return href


def public_html(source, tree=None):
    """Rich text (stored or rendered HTML) as the public may see it: links to public pages
    point at their /help/ URLs, other links become plain text (internal pages, documents,
    intranet addresses), images and embeds are dropped, and only plain formatting remains."""
    soup = BeautifulSoup(str(source or ""), "html.parser")
    for node in soup.find_all(string=lambda s: isinstance(s, (Comment, CData, Declaration, Doctype,
                                                              ProcessingInstruction))):
        node.extract()
    for tag in soup.find_all(DROPPED_TAGS):
        if not tag.decomposed:
            tag.decompose()
    links = soup.find_all("a")
    page_ids = [a.get("id") for a in links if a.get("linktype") == "page"]
    targets = {pk: public_url(page) for pk, page in _public_pages_by_id(page_ids, tree or load_tree()).items()
               } if page_ids else {}
    own_hosts = _own_hosts() if any(a.get("linktype") is None for a in links) else set()
    for a in links:
        linktype = a.get("linktype")
        if linktype == "page" and _valid_id(a.get("id")) in targets:
            a.attrs = {"href": targets[_valid_id(a.get("id"))]}
        elif linktype is None and (href := _external_href(a.get("href"), own_hosts)):
            a.attrs = {"href": href, "rel": "nofollow noopener noreferrer"}
        elif linktype is None and (a.get("href") or "").startswith(reverse("selfservice:home")):
            a.attrs = {"href": a["href"]}  # already a link of this site
        else:
            a.unwrap()
    for tag in soup.find_all(True):
        if tag.name not in ALLOWED_TAGS:
            tag.unwrap()
        else:
            allowed = ALLOWED_ATTRIBUTES.get(tag.name, set())
            tag.attrs = {name: value for name, value in tag.attrs.items() if name in allowed}
    return mark_safe(str(soup))


def public_body(page, tree=None):
    """An article body as blocks for the public template: [{type, ...}]; images (served from
    internal URLs) and embedded documents are left out, a document's caption stays as text."""
    tree = tree or load_tree()
    blocks = []
    for block in page.body:
        kind, value = block.block_type, block.value
        if kind == "heading":
            level = value.get("level") if value.get("level") in ("h2", "h3", "h4") else "h2"
            blocks.append({"type": "heading", "level": level, "text": value.get("text", "")})
        elif kind == "paragraph":
            blocks.append({"type": "html", "html": public_html(getattr(value, "source", value), tree)})
        elif kind == "callout":
            text = value.get("text")
            blocks.append({"type": "callout", "kind": value.get("kind", "info"),
                           "html": public_html(getattr(text, "source", text), tree)})
        elif kind == "code":
            blocks.append({"type": "code", "code": value.get("code", "")})
        elif kind == "table":
            blocks.append({"type": "html", "html": public_html(block.render(), tree)})
        elif kind == "document" and value.get("caption"):
            blocks.append({"type": "text", "text": value["caption"]})
    return blocks
