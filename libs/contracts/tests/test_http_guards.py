"""The request-body checks every API makes before its arguments parser."""

from __future__ import annotations

from linli_contracts.http_guards import nested_too_deeply


def test_only_json_deep_enough_to_exhaust_the_stack_is_reported() -> None:
    assert nested_too_deeply(b"[" * 100_000 + b"]" * 100_000)
    assert not nested_too_deeply(b'{"name": [[[1]]]}')
    assert not nested_too_deeply(b"{not json")  # the arguments parser answers this one
    assert not nested_too_deeply(b"")
