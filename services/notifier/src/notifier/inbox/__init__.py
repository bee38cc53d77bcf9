"""The in-app inbox of each volunteer."""
