"""The identity service: app registrations, client authentication, access tokens."""
