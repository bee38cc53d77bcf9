"""Linli wire contract shared by every service.

Topology (`topology`), the envelope (`envelope`), versioned message schemas (`schemas`), the
transactional outbox and its relay (`outbox`), the consumer base with its inbox (`inbox`,
`consumer`), and the plumbing every process shares: JSON logs with the correlation id
(`logs`) and Prometheus metrics (`metrics`, `multiproc`). No domain logic and no service's
models live here.
"""

from linli_contracts.envelope import Envelope, make_event, parse_envelope
from linli_contracts.errors import ContractError, DecodeError, PermanentError, TransientError
from linli_contracts.schemas import MESSAGE_TYPES, latest_version, schema_for

__all__ = [
    "MESSAGE_TYPES",
    "ContractError",
    "DecodeError",
    "Envelope",
    "PermanentError",
    "TransientError",
    "latest_version",
    "make_event",
    "parse_envelope",
    "schema_for",
]
