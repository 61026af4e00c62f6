"""gunicorn settings for production (`gunicorn config.wsgi -c config/gunicorn.conf.py`).

Everything can be overridden by the usual GUNICORN_* style environment variables
listed in the README.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", 2))
# Uploads stream to disk through Django's upload handlers; a slow phone on a weak
# connection needs time to send 250 MB. nginx buffers the body first in production
# (client_max_body_size, proxy_request_buffering on), so this is the fallback.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 120))
graceful_timeout = 30
keepalive = 5
max_requests = 2000
max_requests_jitter = 200
accesslog = "-"
errorlog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(L)ss req=%({x-request-id}o)s'
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
