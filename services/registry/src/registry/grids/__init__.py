"""Grids (网格) of a community."""
