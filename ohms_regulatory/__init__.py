"""OHMS add-on: Regulatory."""
