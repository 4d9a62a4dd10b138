# Freshness for FAQ entries, as for articles (knowledge 0007): the old "review by" date
# (next_review) becomes the due date of the entry's ReviewSchedule.
from django.db import migrations, models

from knowledge.migrations import _freshness


def forwards(apps, schema_editor):
    _freshness.schedules_from_review_dates(apps, "faq.FAQEntryPage")


def backwards(apps, schema_editor):
    _freshness.review_dates_from_schedules(apps, "faq.FAQEntryPage")


class Migration(migrations.Migration):

    dependencies = [
        ('faq', '0004_faqentrypage_significant_change'),
        ('knowledge', '0007_review_schedule'),
    ]

    operations = [
        migrations.AddField(
            model_name='faqentrypage',
            name='review_interval',
            field=models.PositiveSmallIntegerField(choices=_freshness.INTERVAL_CHOICES, default=12, help_text='How often the owner confirms that the content is still right. Publishing or verifying it starts the interval again.', verbose_name='review interval'),
        ),
        migrations.RunPython(forwards, backwards),
        migrations.RemoveField(
            model_name='faqentrypage',
            name='next_review',
        ),
    ]
