"""Core: file I/O with atomic writes and the error type (io), the job's environment (env), provenance records.

The bottom layer: imports nothing else from wiringup."""
