"""Persistence: tables, migrations, engines and the queries the services need."""
