"""OHMS add-on: Occupational health."""
