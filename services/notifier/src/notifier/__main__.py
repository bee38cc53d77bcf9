"""Command line: `python -m notifier <command>` (migrate, the workers, sync-channels)."""

from __future__ import annotations

import argparse
import sys

from linli_contracts.metrics import serve_metrics
from notifier.registry_client import RegistryError
from notifier.runtime import Runtime

COMMANDS = {
    "migrate": "apply the database migrations",
    "consume": "consume notifier.events and queue alerts",
    "deliver": "send queued alerts on their channels",
    "remind": "turn due reminders into alerts; digest stale publications",
    "relay": "publish assignment.response events from the outbox",
    "worker": "consume, deliver, remind and relay in one process",
    "sync-channels": "copy every volunteer's contact channels from the registry, then exit",
}


def sync_channels(runtime: Runtime) -> int:
    """Backfill: every registry volunteer's channel settings; 1 when the registry fails."""
    try:
        result = runtime.sync_channels()
    except RegistryError as exc:
        print(f"通知渠道同步失败 / syncing contact channels failed: {exc} "
              f"(NOTIFIER_REGISTRY_URL={runtime.settings['REGISTRY_URL']})", file=sys.stderr)
        return 1
    print(f"已同步 {result.total} 名志愿者的通知渠道 / contact channels synced: "
          f"{result.total} volunteers ({result.updated} updated, {result.unchanged} unchanged, "
          f"{result.cleared} cleared, {result.skipped} skipped)")
    return 0


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
    if args.command == "sync-channels":
        return sync_channels(runtime)
    runtime.install_signal_handlers()
    serve_metrics(runtime.settings["METRICS_PORT"])
    {"consume": runtime.consume, "deliver": runtime.deliver, "remind": runtime.remind,
     "relay": runtime.relay, "worker": runtime.all}[args.command]()
    return 0


if __name__ == "__main__":
    sys.exit(main())
