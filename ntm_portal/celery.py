"""The Celery application that runs background jobs (jobs.tasks) on workers: `make worker`.

Configured from the Django settings named CELERY_*; CELERY_BROKER_URL says where jobs queue.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ntm_portal.settings")

app = Celery("ntm_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
