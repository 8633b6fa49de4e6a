"""OHMS add-on: Integrations."""
