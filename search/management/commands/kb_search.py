import json

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from portal.commands import PortalCommand
from search.api import hit_as_dict
from search.service import search


class Command(PortalCommand):
    help = "Search the knowledge base as a given user and print the ranked hits."

    def add_arguments(self, parser):
        parser.add_argument("query")
        parser.add_argument("--user", required=True)
        parser.add_argument("--json", action="store_true")
        parser.add_argument("--limit", type=int, default=10)
        parser.add_argument("--type", action="append", default=[], dest="kinds")

    def run(self, query, user, json=False, limit=10, kinds=(), **options):
        account = get_user_model().objects.filter(username=user).first()
        if account is None:
            raise CommandError(_("No user %(name)s.") % {"name": user})
        response = search(account, query, {"kind": kinds}, per_page=max(1, min(limit, 100)), source="cli")
        hits = [hit_as_dict(hit) for hit in response.hits]
        if json:
            self.stdout.write(_json_dumps({"query": query, "total": response.total, "total_exact": response.total_exact,
                                           "hits": hits}))
            return
        if response.message:
            self.stdout.write(response.message)
        if response.total_exact:
            self.stdout.write(_("%(total)d results") % {"total": response.total})
        else:
            self.stdout.write(_("More than %(total)d results") % {"total": response.total})
        for hit in hits:
            self.stdout.write(f"{hit['score']:8.3f}  [{hit['type']}] {hit['title']}  {hit['url']}")


def _json_dumps(data):
    return json.dumps(data, ensure_ascii=False, indent=2, default=str)
