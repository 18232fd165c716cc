"""The plan: every config -> DAG decision, made once, torch-free (imports only wiringup.core and the stdlib).

    ids          the names: model ids, run folders, checkpoint labels, the model slice, REGIONS
    experiments  variants, trained-layer sets, training schedules, the grid experiments' runs and models
    wc           weight compression: fits, inits at birth, comparisons, experiment (b)
    transfer     the transfer architectures, inits and variants (Fig. 5)
    scoring      benchmarks, the active backend, score jobs, baselines
    figures      the figure sources (one vocabulary), figure files and params
    resources    cluster resources per rule (and the check that config `resources` names only rules that exist)
    outputs      every file behind the targets (inputs of rules all and figures: a deleted one is rebuilt)
    checks       the config checks at start: one line per refusal (schema errors, did you mean; the data folders)
    build        build(config) -> Plan, used by workflow/rules/common.smk
"""
from wiringup.plan.build import Plan, build  # noqa: F401
