"""gunicorn reads this file from its working directory, the project's root,
wherever it serves the app: the web hosts (docs/deploy.md), the cluster
test, `make bench` and the scan. One setting, so no command can forget it."""

# An answer's head goes out with its body, never before it: a web host that
# dies mid-answer has passed the proxy nothing, and the proxy retries the
# request on another host (common/web_worker.py).
worker_class = "common.web_worker.WholeAnswerWorker"
