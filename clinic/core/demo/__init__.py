"""Demo and benchmark data.

- `data`: the fixed definitions of the demo clinic network (clinics, staff, rooms, name pools,
  clinical profiles, inbox requests). Everything is fictional: 555-01xx phone numbers, example.com.
- `loader`: `demo_load()` builds the demo through the real services, so audit events, history and
  record numbers are exactly what users would produce (used by `manage.py load_demo`).
- `synthetic`: `synthetic_generate()` bulk-inserts a large network for benchmarks, bypassing the
  per-record services on purpose (used by `manage.py generate_synthetic`).
"""
