"""Signals of the search catalogue, for features that follow items (subscriptions, statistics)."""
from django.dispatch import Signal

# Sent after an item's SearchEntry was created or its indexed content changed (a new stamp),
# once per change: sender=SearchEntry, entry=the SearchEntry, created=bool.
entry_changed = Signal()
