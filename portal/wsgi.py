import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
application = get_wsgi_application()
# Everything loaded so far lives as long as the worker: keep it out of the garbage collector's
# full passes, which otherwise stall a request now and then (100-250 ms, bench/stats.py).
gc.freeze()
