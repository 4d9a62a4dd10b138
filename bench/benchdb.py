"""Setting up Django on a bench's own SQLite file (the benches import this from their folder)."""
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup_django(db, fresh):
    os.environ.pop("DATABASE_URL", None)  # always our own SQLite file
    os.environ.setdefault("ZHIKU_VAR_DIR", "/tmp/zhiku-bench-var")  # celery/static dirs out of var/
    os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings"
    sys.path.insert(0, str(ROOT))  # before bench/, whose search.py would shadow the search package
    for suffix in ("", "-wal", "-shm") if fresh else ():
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    from django.conf import settings

    settings.DATABASES["default"]["NAME"] = str(db)  # keeps the WAL/IMMEDIATE options DATABASE_URL would drop
    import django

    django.setup()
    if fresh:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
