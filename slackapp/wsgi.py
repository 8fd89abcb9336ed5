"""The WSGI entry point for any server: `gunicorn slackapp.wsgi:app`."""

import gc

from slackapp.settings import Settings
from slackapp.web import create_kindred_web

app = create_kindred_web(Settings.from_env())
# Never walked by a full garbage collection, which would stall the process for about 110 ms (slackapp/cli.py).
gc.freeze()
