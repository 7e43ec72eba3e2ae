"""gunicorn settings for the hot-path runs: the app and the references under the same
worker settings (`gunicorn -c bench/gunicorn_bench.py …`, never ./gunicorn.conf.py).

BENCH_BIND, BENCH_WORKERS (2), BENCH_WORKER_CLASS (sync) and BENCH_THREADS (1) set them.
"""

import os

bind = os.environ["BENCH_BIND"]
workers = int(os.environ.get("BENCH_WORKERS", 2))
worker_class = os.environ.get("BENCH_WORKER_CLASS", "sync")
threads = int(os.environ.get("BENCH_THREADS", 1))
timeout = 30
graceful_timeout = 5
keepalive = 5
backlog = 2048
accesslog = None
errorlog = "-"
loglevel = "warning"
# gunicorn 27 opens a control socket by default: one per server would collide.
control_socket_disable = True
