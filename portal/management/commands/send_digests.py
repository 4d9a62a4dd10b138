from datetime import date

from django.core.management.base import BaseCommand

from portal.services.message_centre import send_digests


class Command(BaseCommand):
    help = ("Send the daily digest e-mails (unread notifications of the day before) to those who chose it. "
            "Safe to run again: nobody gets a digest twice for the same date.")

    def add_arguments(self, parser):
        parser.add_argument("--date", type=date.fromisoformat, help="the digest's date, YYYY-MM-DD (default: today)")

    def handle(self, *args, date=None, **options):
        self.stdout.write(f"{send_digests(date)} digest(s) sent")
