import json as json_module

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from faq.services.finder import find_answers
from search.registry import PUBLIC


class Command(BaseCommand):
    help = "Find the FAQ entries that best answer a question (as the answer finder does)."

    def add_arguments(self, parser):
        parser.add_argument("question")
        parser.add_argument("--limit", type=int, default=5)
        parser.add_argument("--json", action="store_true", help="print JSON (as GET /api/faq/match/ answers)")
        who = parser.add_mutually_exclusive_group()
        who.add_argument("--user", help="match as this user (only entries they may read)")
        who.add_argument("--public", action="store_true", help="match public entries only")

    def handle(self, *args, question, limit, json, user, public, **options):
        if user:
            account = get_user_model().objects.filter(username=user).first()
            if account is None:
                raise CommandError(f"No user {user!r}.")
            answers = find_answers(account, question, limit=limit)
        else:  # the operator reads everything, unless asking as the public site would
            answers = find_answers(None, question, limit=limit, principals=[PUBLIC] if public else None)
        if json:
            self.stdout.write(_json([a.as_dict() for a in answers], question))
            return
        if not answers:
            self.stdout.write("No matching FAQ entry.")
        for rank, answer in enumerate(answers, 1):
            self.stdout.write(f"{rank}. [{answer.score:.2f}] {answer.entry.title}  (#{answer.entry.pk})")
            if answer.matched_phrase != answer.entry.title:
                self.stdout.write(f"   ~ {answer.matched_phrase}")
            for line in answer.answer_text.splitlines():
                self.stdout.write(f"   {line}")


def _json(results, question):
    return json_module.dumps({"query": question, "results": results}, ensure_ascii=False, indent=2)
