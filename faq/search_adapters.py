"""How FAQ entries appear in search and in question matching."""
from django.utils.translation import gettext_lazy as _

from knowledge.search_adapters import short_hash, node_stamp, page_entry
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
        return page_entry(entry, keywords="\n".join(entry.phrasing_list()), body=entry.answer_text,
                          review_due=entry.next_review)

    def stamp(self, entry):
        return short_hash(entry.live_revision_id, entry.url_path, node_stamp(entry), entry.next_review,
                           entry.audience)

    def match_phrases(self, entry):
        Role = MatchPhrase.Role
        return ([(Role.QUESTION, entry.title)] + [(Role.PHRASING, p) for p in entry.phrasing_list()]
                + [(Role.ANSWER, entry.answer_text[:ANSWER_CHARS])])
