"""Demo data seeded per feature (`make run`'s demo_data command): one module
per feature, each with an idempotent `seed()`. A new feature adds its module
here and a line to SEEDERS."""
