"""civic's production settings for `make soak` (bench/soak.py), with one change: the collected
static files live in the soak's own temporary folder, not in the checkout's staticfiles/ that a
deploy (or another engineer's run) may be using. The production storage needs a manifest, so the
soak runs collectstatic into that folder first."""

import os

from civic.settings.production import *  # noqa: F403

STATIC_ROOT = os.environ["SOAK_STATIC_ROOT"]
