"""The HTTP layer: routes, authentication, problem responses, middleware."""
