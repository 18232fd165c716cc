"""The plan: every config -> DAG decision, made once, torch-free (experiments, weight compression, transfer)."""
