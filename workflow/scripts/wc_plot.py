"""Rules fig2b (the WC file's kernels), fig2c (KN vs WC at birth) and fig7 (alternative compressions)."""
import _bootstrap  # noqa: F401 - puts src/ on sys.path, sets the network-safety variables
from wiringup.runtime import pipeline
from wiringup.tables.scores import read_score_table


def main(smk):
    p = smk.params
    if p.figure == "fig2b":
        from wiringup.report.figures.fig2 import plot_fig2b

        result = plot_fig2b(smk.input.wc, list(smk.output), style=p.style)
    else:
        from wiringup.tables.wc_stats import read_stats_table

        table = read_score_table(smk.input.scores)
        stats = read_stats_table(smk.input.stats)
        ab = p.at_birth
        if p.figure == "fig2c":
            from wiringup.report.figures.fig2 import plot_fig2c

            wc_init = next((i for i in ab["compare"] if i in p.method_inits.get("wc", [])), "wc")
            result = plot_fig2c(table, list(smk.output), stats=stats, inits={"KN": ab["control"], "WC": wc_init},
                                seeds={"KN": ab["seeds"], "WC": ab["compare"].get(wc_init)}, regions=p.regions,
                                style=p.style)
        else:
            from wiringup.report.figures.fig7 import plot_fig7

            result = plot_fig7(table, list(smk.output), method_inits=p.method_inits, at_birth=ab,
                               regions=p.regions, style=p.style)
    print(result.caption)
    for note in result.notes:
        print("note:", note)


pipeline.run(snakemake, main)  # noqa: F821
