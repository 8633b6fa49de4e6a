"""Visitors: an OHMS add-on (see manifest.py for what it brings)."""
