"""Settings of ``make bench``: the desk's own, plus the plain baseline view (bench.urls)."""

import warnings

from tracker.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
# Served from the source folders, as `make run` does: the bench needs no collectstatic.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# whitenoise warns that collectstatic's folder is missing, once per process; the bench does not need it.
warnings.filterwarnings("ignore", message="No directory at")

# The default install's desk (make run): the optional semantic layer is not part of issue 8's figures even
# where it is installed, and a process embedding every logged claim would measure torch, not the desk.
# FACTDESK_SEMANTIC=1 measures with it.
FACTDESK_SEMANTIC = env_bool("FACTDESK_SEMANTIC", False)  # noqa: F405
