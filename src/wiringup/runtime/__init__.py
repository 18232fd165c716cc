"""Runtime of a Snakemake job: the script glue (pipeline), the memory check (memory), reading the job object (smk),
what the scripts of two rules share (jobs)."""
