"""Runtime of a Snakemake job: the script glue (pipeline), the memory check, reading the job object."""
