"""Operator tools: backup and restore (pg_dump into the object store), key rotation."""
