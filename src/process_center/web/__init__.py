"""The Process Center page: server-rendered views of jobs for partner operators."""
