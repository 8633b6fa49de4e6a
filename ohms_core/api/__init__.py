"""REST base for every add-on: auth, tenancy, pagination, errors, throttles."""
