from knowledge.services.freshness import send_review_reminders
from portal.commands import DatedJobCommand


class Command(DatedJobCommand):
    help = ("Remind owners of knowledge items due for review and tell managers about items overdue for more than "
            "ZHIKU_REVIEW_ESCALATE_DAYS days (safe to run again: nothing is sent twice).")

    def run_job(self, today):
        outcome = send_review_reminders(today)
        self.stdout.write(f"{outcome['reminded']} reminder(s), {outcome['escalated']} escalation(s) sent.")
