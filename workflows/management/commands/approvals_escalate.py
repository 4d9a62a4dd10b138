from django.core.management.base import BaseCommand

from workflows.services.escalation import escalate_approvals


class Command(BaseCommand):
    help = "Remind approvers of steps waiting too long and tell their managers (idempotent)."

    def handle(self, *args, **options):
        self.stdout.write(f"{escalate_approvals()} step(s) escalated")
