from django.core.management.base import BaseCommand

from qa.services.escalation import escalate_hours, escalate_unanswered


class Command(BaseCommand):
    help = "Escalate questions unanswered for longer than ZHIKU_QA_ESCALATE_HOURS (safe to run again)."

    def handle(self, *args, **options):
        count = escalate_unanswered()
        self.stdout.write(f"{count} question(s) escalated (after {escalate_hours():g} hours without an answer).")
