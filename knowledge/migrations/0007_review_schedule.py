# Freshness: the owner's review interval is a page field; when an article was last verified and
# when it is next due move to ReviewSchedule, outside page revisions. The old "review by" date
# (next_review) becomes the schedule's due date.
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from . import _freshness


def forwards(apps, schema_editor):
    _freshness.schedules_from_review_dates(apps, "knowledge.ArticlePage")


def backwards(apps, schema_editor):
    _freshness.review_dates_from_schedules(apps, "knowledge.ArticlePage")


class Migration(migrations.Migration):

    dependencies = [
        ('knowledge', '0006_significant_change'),
        ('wagtailcore', '0098_apitoken'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ReviewSchedule',
            fields=[
                ('page', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='review_schedule', serialize=False, to=settings.WAGTAIL_PAGE_MODEL, verbose_name='page')),
                ('last_verified_at', models.DateTimeField(blank=True, null=True, verbose_name='last verified')),
                ('review_due', models.DateField(blank=True, db_index=True, help_text='Empty when the item never needs a review.', null=True, verbose_name='review due')),
                ('due_by_hand', models.DateField(blank=True, editable=False, null=True)),
                ('last_verified_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='last verified by')),
            ],
            options={
                'verbose_name': 'review schedule',
                'verbose_name_plural': 'review schedules',
            },
        ),
        migrations.AddField(
            model_name='articlepage',
            name='review_interval',
            field=models.PositiveSmallIntegerField(choices=_freshness.INTERVAL_CHOICES, default=12, help_text='How often the owner confirms that the content is still right. Publishing or verifying it starts the interval again.', verbose_name='review interval'),
        ),
        migrations.RunPython(forwards, backwards),
        migrations.RemoveField(
            model_name='articlepage',
            name='next_review',
        ),
    ]
