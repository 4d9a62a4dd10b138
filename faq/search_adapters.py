"""How FAQ entries appear in search and in question matching."""
from django.utils.translation import gettext_lazy as _

from knowledge.models import KnowledgeSpacePage
from knowledge.search_adapters import _short_hash, _user_name, node_entries, node_stamp
from search import registry
from search.models import MatchPhrase

from .models import FAQEntryPage

ANSWER_CHARS = 2000  # of the answer, for matching: its beginning says what it is about


@registry.register
class FAQEntryAdapter(registry.SearchAdapter):
    model = FAQEntryPage
    kind = "faq"
    kind_label = _("FAQ")

    def queryset(self):
        return FAQEntryPage.objects.live().select_related("content_owner").order_by("pk")

    def entry_data(self, entry):
        space = KnowledgeSpacePage.objects.ancestor_of(entry).first()
        if not entry.live or space is None:  # unpublished, or in the trash
            return None
        return {
            "title": entry.title[:255],
            "url": entry.url or "",
            "keywords": "\n".join(entry.phrasing_list()),
            "summary": "",
            "body": entry.answer_text,
            "attachments": [],
            "space_id": space.pk,
            "space_title": space.title,
            "nodes": node_entries(entry),
            "owner_id": entry.content_owner_id,
            "owner_name": _user_name(entry.content_owner),
            "file_type": "",
            "date": entry.last_published_at,
            "review_due": entry.next_review,
            "principals": registry.principals_for_page(entry, entry.audience),
        }

    def stamp(self, entry):
        return _short_hash(entry.live_revision_id, entry.url_path, node_stamp(entry), entry.next_review,
                           entry.audience)

    def match_phrases(self, entry):
        Role = MatchPhrase.Role
        return ([(Role.QUESTION, entry.title)] + [(Role.PHRASING, p) for p in entry.phrasing_list()]
                + [(Role.ANSWER, entry.answer_text[:ANSWER_CHARS])])
