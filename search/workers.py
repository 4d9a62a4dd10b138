"""Set-up of the processes that segment text during a rebuild. A module of its own, importing
nothing of Django at load time: a spawned worker imports it before Django is set up."""


def start_worker(database_name):
    """Set up Django in a worker, on the very database the caller uses (a test run's test
    database, say, which the settings alone do not name)."""
    import django

    django.setup()
    from django.db import connection

    connection.settings_dict["NAME"] = database_name
