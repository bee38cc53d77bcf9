"""Exchanges, queues and broker connections, declared once for producers and consumers.

Facts travel on the durable topic exchange `linli.events`, routed by message type to durable
queues; commands (`scheduler.solve`) travel on the direct exchange `linli.commands` to one work
queue. Every queue has a dead-letter queue `<queue>.dead` on `linli.dead`. Nothing travels over
fan-out: on Redis that is pub/sub, which keeps nothing for absent listeners, whereas a topic
exchange on Redis routes into lists that persist. The same code works on Redis (`redis://`)
and RabbitMQ (`amqp://`).
"""

from __future__ import annotations

from typing import Any

from kombu import Connection, Exchange, Queue, binding

from linli_contracts.schemas import is_command

EVENTS_EXCHANGE = "linli.events"
COMMANDS_EXCHANGE = "linli.commands"
DEAD_LETTER_EXCHANGE = "linli.dead"
DEAD_SUFFIX = ".dead"

#: Queue name -> routing keys it binds. Commands queues bind on `linli.commands`, others on
#: `linli.events`.
EVENT_QUEUES: dict[str, tuple[str, ...]] = {
    "scheduler.events": ("assignment.response", "registry.volunteer.changed"),
    "notifier.events": (
        "plan.published",
        "assignment.assigned",
        "assignment.changed",
        "assignment.cancelled",
    ),
}
COMMAND_QUEUES: dict[str, tuple[str, ...]] = {
    "scheduler.solve": ("scheduler.solve",),
}

#: Redis re-delivers an unacknowledged message after this many seconds; keep it well above the
#: longest handler (a solve with its hard kill margin), or a slow message is handled twice.
DEFAULT_VISIBILITY_TIMEOUT = 3600.0
DEFAULT_SOCKET_TIMEOUT = 5.0
DEFAULT_CONNECT_TIMEOUT = 5.0


def events_exchange() -> Exchange:
    """The durable topic exchange carrying facts, routed by message type."""
    return Exchange(EVENTS_EXCHANGE, type="topic", durable=True)


def commands_exchange() -> Exchange:
    """The durable direct exchange carrying commands to work queues."""
    return Exchange(COMMANDS_EXCHANGE, type="direct", durable=True)


def dead_letter_exchange() -> Exchange:
    """The durable direct exchange of dead-letter queues."""
    return Exchange(DEAD_LETTER_EXCHANGE, type="direct", durable=True)


def exchange_for(type_: str) -> Exchange:
    """The exchange a message of this type is published to."""
    return commands_exchange() if is_command(type_) else events_exchange()


def queue_names() -> tuple[str, ...]:
    """Names of all consumer and work queues (not their dead-letter queues)."""
    return (*EVENT_QUEUES, *COMMAND_QUEUES)


def queue_for(name: str) -> Queue:
    """The durable queue `name` with all its bindings."""
    if name in EVENT_QUEUES:
        exchange, keys = events_exchange(), EVENT_QUEUES[name]
    elif name in COMMAND_QUEUES:
        exchange, keys = commands_exchange(), COMMAND_QUEUES[name]
    else:
        raise KeyError(f"unknown queue {name!r}")
    return Queue(
        name,
        bindings=[binding(exchange, routing_key=key) for key in keys],
        durable=True,
        auto_delete=False,
    )


def dead_letter_queue_for(name: str) -> Queue:
    """The dead-letter queue of queue `name` (`<name>.dead`)."""
    dead = name + DEAD_SUFFIX
    return Queue(
        dead, exchange=dead_letter_exchange(), routing_key=dead, durable=True, auto_delete=False
    )


def all_queues() -> list[Queue]:
    """Every queue of the system, dead-letter queues included."""
    names = queue_names()
    return [queue_for(n) for n in names] + [dead_letter_queue_for(n) for n in names]


def declare_all(conn: Connection) -> None:
    """Declare every exchange, queue and binding on the broker (idempotent)."""
    with conn.channel() as channel:
        for exchange in (events_exchange(), commands_exchange(), dead_letter_exchange()):
            exchange(channel).declare()
        for queue in all_queues():
            queue(channel).declare()


def connection(
    broker_url: str,
    *,
    visibility_timeout: float = DEFAULT_VISIBILITY_TIMEOUT,
    socket_timeout: float = DEFAULT_SOCKET_TIMEOUT,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
    heartbeat: float = 0.0,
    transport_options: dict[str, Any] | None = None,
    **opts: Any,
) -> Connection:
    """A kombu connection with timeouts set, so a dead or black-holed broker is noticed."""
    # Bound the reconnect loop kombu runs when a channel is first needed (unbounded by default).
    options: dict[str, Any] = {
        "max_retries": 3,
        "interval_start": 0,
        "interval_step": 0.5,
        "interval_max": 2,
    }
    if broker_url.startswith(("redis://", "rediss://", "redis+socket://")):
        options |= {
            "visibility_timeout": visibility_timeout,
            "socket_timeout": socket_timeout,
            "socket_connect_timeout": connect_timeout,
            "socket_keepalive": True,
            # Ping idle connections so a connection killed by the server is noticed.
            "health_check_interval": 25,
            "retry_on_timeout": False,
        }
    else:
        # AMQP heartbeats only work when the caller runs `heartbeat_check`; off by default.
        opts.setdefault("heartbeat", heartbeat)
        # RabbitMQ: a publish returns only once the broker has taken the message.
        options["confirm_publish"] = True
    options.update(transport_options or {})
    return Connection(
        broker_url,
        connect_timeout=connect_timeout,
        transport_options=options,
        **opts,
    )
