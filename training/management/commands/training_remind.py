from portal.commands import DatedJobCommand
from training.services.reminders import remind_days, send_reminders


class Command(DatedJobCommand):
    help = ("Send training reminders: due within ZHIKU_TRAINING_REMIND_DAYS days, and weekly while overdue "
            "(safe to run again: nothing is sent twice; failed emails are retried).")

    def run_job(self, today):
        outcome = send_reminders(today)
        self.stdout.write(f"{outcome} (due-soon reminders {remind_days()} day(s) ahead).")
