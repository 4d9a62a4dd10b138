"""Upgrading an installation whose days were rolled up before the month tables existed."""
from datetime import date

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from stats.models import ItemMonth, SearcherMonth, SearchMonth


@pytest.mark.django_db(transaction=True)
def test_the_months_of_days_rolled_up_before_the_month_tables_are_summed_on_upgrade():
    executor = MigrationExecutor(connection)
    before = [("stats", "0001_initial")]
    executor.migrate(before)
    apps = executor.loader.project_state(before).apps
    Item, ItemDay, ReaderDay, RolledUpDay, SearchDay, SearcherDay = (apps.get_model("stats", name) for name in (
        "Item", "ItemDay", "ReaderDay", "RolledUpDay", "SearchDay", "SearcherDay"))
    item = Item.objects.create(key="knowledge.articlepage:1", kind="article", title="扭矩试验方法")
    jan30, jan31, feb1 = date(2026, 1, 30), date(2026, 1, 31), date(2026, 2, 1)
    # (day, views, readers): user 3 read it on two days of January.
    for day, views, readers in ((jan30, 2, [3, 4]), (jan31, 1, [3]), (feb1, 5, [7])):
        RolledUpDay.objects.create(day=day)
        ItemDay.objects.create(day=day, item=item, views=views, readers=len(readers))
        ReaderDay.objects.bulk_create([ReaderDay(day=day, item=item, user_id=u) for u in readers])
    SearchDay.objects.create(day=jan30, query="扭矩", searches=3, zero=1)
    SearchDay.objects.create(day=jan31, query="扭矩", searches=2, zero=0, clicks=1)
    SearcherDay.objects.create(day=jan30, user_id=3, searches=3)
    SearcherDay.objects.create(day=jan31, user_id=3, searches=2)

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    months = [(m.month, m.views, int.from_bytes(m.readers, "little")) for m in ItemMonth.objects.order_by("month")]
    assert months == [(date(2026, 1, 1), 3, (1 << 3) | (1 << 4)), (feb1, 5, 1 << 7)]
    assert list(SearchMonth.objects.values_list("month", "query", "searches", "zero", "clicks", "last_zero")) == [
        (date(2026, 1, 1), "扭矩", 5, 1, 1, jan30)]
    assert list(SearcherMonth.objects.values_list("month", "user_id", "searches")) == [(date(2026, 1, 1), 3, 5)]
