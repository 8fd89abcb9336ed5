"""The WSGI entry point for any server: `gunicorn slackapp.wsgi:app`."""

from slackapp.settings import Settings
from slackapp.web import create_kindred_web

app = create_kindred_web(Settings.from_env())
