"""Exceptions of the wire contract, and how a consumer treats each of them.

`ContractError` and `DecodeError` mean the message itself is wrong: it is dead-lettered at once.
`PermanentError` means a handler knows a retry cannot help: dead-lettered at once.
`TransientError` means a retry may help: requeued with back-off, dead-lettered after N tries.
"""

from __future__ import annotations


class LinliMessagingError(Exception):
    """Base class of every error raised by the wire contract."""


class ContractError(LinliMessagingError, ValueError):
    """A message or payload does not conform to its schema."""


class DecodeError(ContractError):
    """Bytes on the wire could not be decoded into an envelope."""


class TransientError(LinliMessagingError):
    """A failure that may go away on retry (a dependency down, a lock timeout)."""


class PermanentError(LinliMessagingError):
    """A failure that no retry can fix; the message goes to the dead-letter queue."""
