"""gunicorn's settings for `make serve`, from the environment (read by gunicorn at start).

WEB_CONCURRENCY (or GUNICORN_WORKERS): worker processes, by default 2 x cores + 1, gunicorn's
own advice; GUNICORN_THREADS: threads per worker, by default 1: gunicorn's sync worker, which
takes one request at a time and accepts the next connection only when it is free, so that the
requests go to the processes free to answer them (with threads, a gthread worker accepts
connections however busy it is: measured in bench/LOAD.md, keep-alive clients piled up 24, 20,
5, 1 and 0 on the five workers, p95 1.2-1.5 s, against 0.41-0.55 s with sync workers). Behind
the reverse proxy of a deployment, which buffers slow clients; threads (more than 1) take the
gthread worker instead. GUNICORN_BIND, else 127.0.0.1:PORT (PORT default 8000);
GUNICORN_TIMEOUT: seconds before a stuck request's worker is restarted (default 60). Long work
belongs in a background job (jobs/), not in a request.
"""

import os


def _whole(name: str, default: int) -> int:
    raw = os.environ.get(name) or str(default)
    if not raw.isdigit() or int(raw) < 1:
        raise SystemExit(f"gunicorn.conf.py: {name} must be a whole number from 1, not {raw!r}")
    return int(raw)


def _default_workers() -> int:
    return 2 * (os.cpu_count() or 1) + 1


workers = _whole("WEB_CONCURRENCY", _whole("GUNICORN_WORKERS", _default_workers()))
threads = _whole("GUNICORN_THREADS", 1)
worker_class = "gthread" if threads > 1 else "sync"
bind = os.environ.get("GUNICORN_BIND") or f"127.0.0.1:{_whole('PORT', 8000)}"
timeout = _whole("GUNICORN_TIMEOUT", 60)
graceful_timeout = 30
# A worker is replaced after this many requests (with jitter, so not all at once): memory
# that a long-lived worker slowly gathers is given back.
max_requests = _whole("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = max_requests // 10
# Django's settings load once, before the workers fork: a bad setting stops the start with its
# message, and the workers share the loaded code's memory. Connections open after the fork.
preload_app = True
wsgi_app = "ntm_portal.wsgi:application"
accesslog = "-"
errorlog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'
# gunicorn's control socket (for gunicornc) is one path per user by default: two servers on one
# machine (two ports) took the same one, and the first to stop removed the other's. Not used
# here: stop and reload through the process manager (signals).
control_socket_disable = True
