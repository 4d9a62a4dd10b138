"""Data helpers shared by knowledge 0007 and faq 0005 (freshness). Frozen here, apart from the
live code, so later changes to the models cannot change what these migrations did."""
import calendar

INTERVAL_CHOICES = [(3, "Every 3 months"), (6, "Every 6 months"), (12, "Every year"), (24, "Every 2 years"),
                    (0, "Never")]
DEFAULT_MONTHS = 12


def due_after(moment, months=DEFAULT_MONTHS):
    day = moment.date()
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def schedules_from_review_dates(apps, model_label):
    """One schedule per page: due on its old review date, or a year after it was last
    published; a draft's date waits for its first publication."""
    Model = apps.get_model(model_label)
    ReviewSchedule = apps.get_model("knowledge", "ReviewSchedule")
    Revision = apps.get_model("wagtailcore", "Revision")
    for page in Model.objects.all().iterator():
        if ReviewSchedule.objects.filter(page_id=page.pk).exists():
            continue
        if page.live:
            verified_by = Revision.objects.filter(pk=page.live_revision_id).values_list("user_id", flat=True).first()
            due = page.next_review or (due_after(page.last_published_at) if page.last_published_at else None)
            ReviewSchedule.objects.create(page_id=page.pk, review_due=due, last_verified_at=page.last_published_at,
                                          last_verified_by_id=verified_by)
        elif page.next_review:
            ReviewSchedule.objects.create(page_id=page.pk, due_by_hand=page.next_review)


def review_dates_from_schedules(apps, model_label):
    Model = apps.get_model(model_label)
    ReviewSchedule = apps.get_model("knowledge", "ReviewSchedule")
    for schedule in ReviewSchedule.objects.filter(page_id__in=Model.objects.values("pk")):
        Model.objects.filter(pk=schedule.page_id).update(next_review=schedule.review_due or schedule.due_by_hand)
