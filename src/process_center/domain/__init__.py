"""The Process Center's domain: jobs, their lifecycle, permissions. Knows no HTTP."""
