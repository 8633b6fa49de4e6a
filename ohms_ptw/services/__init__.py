"""PTW use cases. Every write that matters goes through here (API, admin, sync, jobs)."""
