"""Exchanges, queues and broker connections, declared once for producers and consumers.

Facts travel on the durable topic exchange `linli.events`, routed by message type to durable
queues; commands (`scheduler.solve`) travel on the direct exchange `linli.commands` to one work
queue. Every queue has a dead-letter queue `<queue>.dead` on `linli.dead`. Nothing travels over
fan-out: on Redis that is pub/sub, which keeps nothing for absent listeners, whereas a topic
exchange on Redis routes into lists that persist. The same code works on Redis (`redis://`)
and RabbitMQ (`amqp://`).

What differs per broker is decided here and nowhere else. On RabbitMQ every queue is a durable
quorum queue; each consumer queue dead-letters on the broker (`x-delivery-limit`,
at-least-once dead-lettering to `linli.dead`), publishes wait for the broker's confirm, and
connections carry heartbeats. On Redis queues take no arguments, unacked messages come back
after the visibility timeout, and the consumer counts attempts in a header of its own.
"""

from __future__ import annotations

from typing import Any

from kombu import Connection, Exchange, Queue, binding

from linli_contracts.schemas import is_command

EVENTS_EXCHANGE = "linli.events"
COMMANDS_EXCHANGE = "linli.commands"
DEAD_LETTER_EXCHANGE = "linli.dead"
DEAD_SUFFIX = ".dead"

#: kombu driver type of RabbitMQ (py-amqp); every other transport counts attempts like Redis.
AMQP = "amqp"
_AMQP_SCHEMES = ("amqp", "amqps", "pyamqp", "librabbitmq")
_REDIS_SCHEMES = ("redis", "rediss", "redis+socket")

#: A message is handed to a consumer at most this many times before it is dead-lettered; the
#: consumers' default `max_attempts` and RabbitMQ's `x-delivery-limit` both derive from it.
MAX_DELIVERIES = 5

#: Queue name -> routing keys it binds. Commands queues bind on `linli.commands`, others on
#: `linli.events`.
EVENT_QUEUES: dict[str, tuple[str, ...]] = {
    "scheduler.events": ("assignment.response", "registry.volunteer.changed"),
    "notifier.events": (
        "plan.published",
        "assignment.assigned",
        "assignment.changed",
        "assignment.cancelled",
        # Ids only: the notifier reads contact details from the registry (decision 0005).
        "registry.volunteer.changed",
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
#: Redis: kombu restores expired unacked messages under a lock that expires after this many
#: seconds. A consumer killed while holding it blocks every redelivery until then (kombu's
#: default is 300 s); each restore is its own transaction, so a short lock is safe.
RESTORE_LOCK_EXPIRE = 10
#: AMQP heartbeat for consumers, whose loop ticks it every second or so; a broker or peer that
#: vanished is noticed within about two intervals.
DEFAULT_HEARTBEAT = 30.0
#: How long a publish waits for RabbitMQ's confirm before it counts as failed.
DEFAULT_CONFIRM_TIMEOUT = 10.0


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


def transport_of(target: Any) -> str:
    """`"amqp"` for RabbitMQ, else the kombu driver type, of a URL, Connection or channel."""
    if isinstance(target, str):
        scheme = target.partition("://")[0].lower()
        if scheme in _AMQP_SCHEMES:
            return AMQP
        return "redis" if scheme in _REDIS_SCHEMES else scheme
    if isinstance(target, Connection):
        return str(target.transport.driver_type)
    # A channel: py-amqp's connection and kombu's virtual transports both know their client.
    client = getattr(getattr(target, "connection", None), "client", None)
    return str(client.transport.driver_type) if isinstance(client, Connection) else ""


def counts_deliveries(target: Any) -> bool:
    """Whether the broker counts deliveries and dead-letters by itself (RabbitMQ quorum
    queues do; Redis keeps no count, so the consumer carries one in a header)."""
    return transport_of(target) == AMQP


def queue_arguments(name: str, transport: str) -> dict[str, Any]:
    """Declaration arguments of queue `name` on `transport` (none on Redis)."""
    if transport != AMQP:
        return {}
    if name.endswith(DEAD_SUFFIX):
        return {"x-queue-type": "quorum"}
    return {
        "x-queue-type": "quorum",
        # The limit counts returns, so N deliveries at most means N - 1: the consumer itself
        # dead-letters on the N-th failure, and the broker catches a message that keeps
        # killing its consumer before any decision is made.
        "x-delivery-limit": MAX_DELIVERIES - 1,
        "x-dead-letter-exchange": DEAD_LETTER_EXCHANGE,
        "x-dead-letter-routing-key": name + DEAD_SUFFIX,
        # At-least-once dead-lettering keeps a message in its queue until the dead-letter
        # queue confirmed it; RabbitMQ requires reject-publish overflow for it.
        "x-dead-letter-strategy": "at-least-once",
        "x-overflow": "reject-publish",
    }


class _Queue(Queue):
    """A queue whose declaration arguments follow the transport of the channel it is declared
    on, so callers build one `Queue` for every broker."""

    def queue_declare(self, nowait: bool = False, passive: bool = False,
                      channel: Any = None) -> Any:
        # Here rather than on binding: kombu also declares entities it never bound.
        transport = transport_of(channel or self.channel)
        self.queue_arguments = queue_arguments(self.name, transport) or None
        return super().queue_declare(nowait=nowait, passive=passive, channel=channel)


def queue_for(name: str) -> Queue:
    """The durable queue `name` with all its bindings."""
    if name in EVENT_QUEUES:
        exchange, keys = events_exchange(), EVENT_QUEUES[name]
    elif name in COMMAND_QUEUES:
        exchange, keys = commands_exchange(), COMMAND_QUEUES[name]
    else:
        raise KeyError(f"unknown queue {name!r}")
    return _Queue(
        name,
        bindings=[binding(exchange, routing_key=key) for key in keys],
        durable=True,
        auto_delete=False,
    )


def dead_letter_queue_for(name: str) -> Queue:
    """The dead-letter queue of queue `name` (`<name>.dead`)."""
    dead = name + DEAD_SUFFIX
    return _Queue(
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


def transport_options(
    broker_url: str,
    *,
    visibility_timeout: float = DEFAULT_VISIBILITY_TIMEOUT,
    socket_timeout: float = DEFAULT_SOCKET_TIMEOUT,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
) -> dict[str, Any]:
    """kombu transport options for `broker_url`: bounded retries and timeouts everywhere,
    plus what the broker needs (Redis: visibility timeout; RabbitMQ: publisher confirms)."""
    # Bound the reconnect loop kombu runs when a channel is first needed (unbounded by default).
    options: dict[str, Any] = {
        "max_retries": 3,
        "interval_start": 0,
        "interval_step": 0.5,
        "interval_max": 2,
    }
    transport = transport_of(broker_url)
    if transport == "redis":
        options |= {
            "visibility_timeout": visibility_timeout,
            "unacked_mutex_expire": RESTORE_LOCK_EXPIRE,
            "socket_timeout": socket_timeout,
            "socket_connect_timeout": connect_timeout,
            "socket_keepalive": True,
            # Ping idle connections so a connection killed by the server is noticed.
            "health_check_interval": 25,
            "retry_on_timeout": False,
        }
    elif transport == AMQP:
        options |= {
            # A publish returns only once the broker has taken the message.
            "confirm_publish": True,
            # Socket timeouts, so a black-holed broker fails an operation instead of hanging.
            "read_timeout": socket_timeout,
            "write_timeout": socket_timeout,
        }
    return options


def connection(
    broker_url: str,
    *,
    visibility_timeout: float = DEFAULT_VISIBILITY_TIMEOUT,
    socket_timeout: float = DEFAULT_SOCKET_TIMEOUT,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
    heartbeat: float | None = None,
    extra_options: dict[str, Any] | None = None,
    **opts: Any,
) -> Connection:
    """A kombu connection with timeouts set, so a dead or black-holed broker is noticed.

    `heartbeat` (AMQP only) defaults to `DEFAULT_HEARTBEAT`, which suits consumer loops: they
    tick it while waiting. A process that blocks for longer than two intervals without
    touching the connection (a solve, a publish-only relay) passes 0. `extra_options` are
    merged into the transport options.
    """
    options = transport_options(
        broker_url, visibility_timeout=visibility_timeout, socket_timeout=socket_timeout,
        connect_timeout=connect_timeout,
    )
    options.update(extra_options or {})
    if transport_of(broker_url) == AMQP:
        opts["heartbeat"] = DEFAULT_HEARTBEAT if heartbeat is None else heartbeat
    return Connection(
        broker_url,
        connect_timeout=connect_timeout,
        transport_options=options,
        **opts,
    )
