import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_wsgi_application()


def _warm_up():
    """Import what the first request would: the URLconf with every view module, so a worker
    forked from a preloading gunicorn master (config/gunicorn.conf.py) starts warm. Any
    connection opened meanwhile is closed, so no socket is shared across the fork."""
    from django.db import connections
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 (loads every urls and views module)
    connections.close_all()


_warm_up()
