"""Production settings for the loopback scale-out test (tests/core/test_scale_out.py), less collectstatic.

Its servers run with ``DEBUG=false`` like production; only the static files are read where they are
(WhiteNoise's finders), since collecting and compressing them costs half a minute and is tested on its own
(tests/core/test_serving.py).
"""

from pcc.settings import *  # noqa: F403
from pcc.settings import STORAGES

STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
