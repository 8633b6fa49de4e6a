"""Writes of the visitors add-on, one module per use case family."""
