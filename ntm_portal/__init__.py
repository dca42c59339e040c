# Loaded with Django so that @shared_task (jobs.tasks) binds to the portal's Celery app.
from ntm_portal.celery import app as celery_app

__all__ = ["celery_app"]
