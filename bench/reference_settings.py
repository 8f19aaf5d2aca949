"""Settings of the bench's reference server: production, plus the two reference endpoints.

``bench/submit.py`` serves these from a second gunicorn (same ``config/gunicorn.py``) next to
the production one, so that the app's own figures come from untouched production settings.
"""

from config.settings.production import *  # noqa: F403

ROOT_URLCONF = "bench.reference_urls"
