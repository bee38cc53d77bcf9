"""Linli web portal: the pages coordinators and volunteers use, over the services' HTTP APIs."""
