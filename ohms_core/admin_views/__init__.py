"""Wagtail admin building blocks shared by every add-on: tenancy-scoped viewsets whose
writes go through the same services as the API, and role-based permission policies."""
