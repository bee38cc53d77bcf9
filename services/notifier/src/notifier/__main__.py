"""Command line: `python -m notifier {migrate,consume,deliver,remind,relay,worker}`."""

from __future__ import annotations

import argparse
import sys

from linli_contracts.metrics import serve_metrics
from notifier.runtime import Runtime

COMMANDS = {
    "migrate": "apply the database migrations",
    "consume": "consume notifier.events and queue alerts",
    "deliver": "send queued alerts on their channels",
    "remind": "turn due reminders into alerts; digest stale publications",
    "relay": "publish assignment.response events from the outbox",
    "worker": "consume, deliver, remind and relay in one process",
}


def main(argv: list[str] | None = None) -> int:
    """Run one notifier process until SIGTERM or Ctrl-C."""
    parser = argparse.ArgumentParser(prog="python -m notifier")
    parser.add_argument("command", choices=sorted(COMMANDS),
                        help="; ".join(f"{k}: {v}" for k, v in COMMANDS.items()))
    parser.add_argument("--migrate", action="store_true",
                        help="apply migrations before starting")
    args = parser.parse_args(argv)
    runtime = Runtime()
    if args.command == "migrate" or args.migrate:
        runtime.migrate()
        if args.command == "migrate":
            return 0
    runtime.install_signal_handlers()
    serve_metrics(runtime.settings["METRICS_PORT"])
    {"consume": runtime.consume, "deliver": runtime.deliver, "remind": runtime.remind,
     "relay": runtime.relay, "worker": runtime.all}[args.command]()
    return 0


if __name__ == "__main__":
    sys.exit(main())
