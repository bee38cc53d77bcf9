"""Channels: one interface, `Channel.send(message, idempotency_key) -> DeliveryResult`."""
