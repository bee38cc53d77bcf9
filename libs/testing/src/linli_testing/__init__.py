"""Test support shared by every Linli test suite: real servers on loopback ports."""
