"""Plain domain logic of the notifier: no Flask, no kombu, no database."""
