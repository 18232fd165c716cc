"""Rule results_summary: the headline numbers of this run and of the authors' data → results/summary.{md,json}."""
import _bootstrap  # noqa: F401 - puts src/ on sys.path, sets the network-safety variables
from wiringup.report.scorecard import describe_scale
from wiringup.report.summary import build_summary, write_summary
from wiringup.runtime import pipeline


def main(smk):
    p, inp = smk.params, dict(smk.input.items())
    summary = build_summary(scores=inp["scores"], scorecard=inp.get("scorecard"), wc_stats=inp.get("wc_stats"),
                            stats=list(smk.input.stats), experiment_b=list(smk.input.experiment_b),
                            training_time=inp.get("training_time"), effects=inp.get("effects"),
                            effect_stats=list(smk.input.effect_stats), scale=describe_scale(p.scale),
                            missing=p.missing, run_recipe=p.run_recipe, standard_variant=p.standard_variant)
    write_summary(summary, smk.output.md, smk.output.json)
    print(f"reference {summary['reference']['brain_predictivity']}; {len(summary['at_birth'])} at-birth rows; "
          f"{len(summary['claims'])} headline claims")


pipeline.run(snakemake, main)  # noqa: F821
