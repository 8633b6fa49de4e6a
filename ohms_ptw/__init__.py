"""OHMS add-on: Permit to work."""
