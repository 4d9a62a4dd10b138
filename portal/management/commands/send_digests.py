from portal.commands import DatedJobCommand
from portal.services.message_centre import send_digests


class Command(DatedJobCommand):
    help = ("Send the daily digest e-mails (unread notifications of the day before) to those who chose it. "
            "Safe to run again: nobody gets a digest twice for the same date.")

    def run_job(self, today):
        self.stdout.write(f"{send_digests(today)} digest(s) sent")
