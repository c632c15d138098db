"""Settings for the gunicorn workers of the load test: production's, plus the floor views.

Production settings as deployed (DEBUG off, the real middleware), with the benchmark's URL
map so that the hand-written floor endpoints are served beside the API. The command sets the
environment production needs (secret, DATABASE_URL, no SSL redirect on loopback).
"""

from .production import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
