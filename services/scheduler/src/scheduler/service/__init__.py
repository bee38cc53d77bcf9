"""The scheduler service: plans over HTTP, solve workers on the queue, events via the outbox.

Processes (all `python -m scheduler.service <command>`): the web API (gunicorn,
`scheduler.service.wsgi:app`), `solve-worker`, `relay`, `consume`, plus `migrate`.
"""
