"""OHMS core add-on: tenancy, base model, audit, people, documents and the REST base."""
