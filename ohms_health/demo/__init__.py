"""Demo data loaders of the health add-on, one module per feature (see ohms_health_demo.DEMO_STEPS)."""
