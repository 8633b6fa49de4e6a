"""Writes that matter, one function per use case. API, admin, commands and jobs call these."""
