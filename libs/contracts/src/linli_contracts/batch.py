"""Taking and acknowledging many messages per Redis round trip, with kombu's own bookkeeping.

kombu's Redis transport spends three round trips on every message: BRPOP, recording the
message as unacknowledged (so that it comes back after the visibility timeout if the consumer
dies), and deleting that record on ack. A batching consumer does not need to pay them per
message: `fetch_more` pops up to N further messages and records them as unacknowledged in one
Lua script, in exactly the hash and sorted set kombu uses, so kombu's restore on shutdown and
after the visibility timeout treat them like any other; and `ack_all` deletes the records of a
whole batch in one transaction. The script is atomic, so no message is ever out of the queue
without its unacked record (kombu's BRPOP leaves that window open).

On other transports, or with a key prefix, `fetch_more` takes nothing and `ack_all` acks one by
one: callers work unchanged, only slower.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from kombu.transport import virtual
from kombu.transport.redis import Channel as RedisChannel
from kombu.utils.json import loads

# KEYS: the unacked hash, its index (sorted by delivery time), then the queue's lists in
# priority order. ARGV: how many to take, the time to index them under. The stored record is
# kombu's `[message, exchange, routing_key]`, with the message text exactly as queued.
FETCH_SCRIPT = """
local taken = {}
local limit = tonumber(ARGV[1])
for k = 3, #KEYS do
  while #taken < limit do
    local item = redis.call('RPOP', KEYS[k])
    if not item then break end
    local ok, message = pcall(cjson.decode, item)
    local properties = ok and type(message) == 'table' and message['properties']
    local info = type(properties) == 'table' and properties['delivery_info']
    local tag = type(info) == 'table' and properties['delivery_tag']
    if type(tag) ~= 'string' then
      -- Not a kombu message: back where it was, for kombu to deal with as it always does.
      redis.call('RPUSH', KEYS[k], item)
      return taken
    end
    redis.call('ZADD', KEYS[2], ARGV[2], tag)
    redis.call('HSET', KEYS[1], tag, '[' .. item .. ',' .. cjson.encode(info['exchange'])
      .. ',' .. cjson.encode(info['routing_key']) .. ']')
    taken[#taken + 1] = item
  end
end
return taken
"""


def _batchable(channel: Any) -> bool:
    return isinstance(channel, RedisChannel) and not channel.global_keyprefix


def fetch_more(channel: Any, queue: str, limit: int, accept: Any = None) -> list[Any]:
    """Up to `limit` messages waiting in `queue`, delivered to `channel` and unacked."""
    if limit <= 0 or not _batchable(channel):
        return []
    keys = [channel.unacked_key, channel.unacked_index_key,
            *(channel._q_for_pri(queue, pri) for pri in channel.priority_steps)]
    with channel.conn_or_acquire() as client:
        items = client.register_script(FETCH_SCRIPT)(keys=keys, args=[limit, time.time()],
                                                     client=client)
    messages = []
    for item in items or ():
        message = channel.Message(loads(item), channel=channel)
        if accept is not None:
            message.accept = accept
        # In-memory bookkeeping only: the script has written the Redis side already.
        virtual.QoS.append(channel.qos, message, message.delivery_tag)
        messages.append(message)
    return messages


def ack_all(messages: Iterable[Any]) -> None:
    """Acknowledge many messages; on Redis with one transaction for all of them."""
    pending = [message for message in messages if not message.acknowledged]
    if not pending:
        return
    channel = pending[0].channel
    if not _batchable(channel) or any(m.channel is not channel for m in pending):
        for message in pending:
            message.ack()
        return
    with channel.conn_or_acquire() as client:
        pipe = client.pipeline()
        for message in pending:
            pipe.zrem(channel.unacked_index_key, message.delivery_tag)
            pipe.hdel(channel.unacked_key, message.delivery_tag)
        pipe.execute()
    for message in pending:
        virtual.QoS.ack(channel.qos, message.delivery_tag)
        message._state = "ACK"
