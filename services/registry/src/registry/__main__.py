"""Command line: migrate, seed-demo, relay, create-user."""

from registry.cli import main

raise SystemExit(main())
