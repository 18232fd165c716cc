"""Paper figures, drawn only from small tables (the tidy score table, statistics tables, WC files), never from
checkpoints, so a style change never reruns training or scoring.

One module per paper figure (``fig1`` …); each ``plot_*`` function takes its tables, the output paths (one
per format) and the config slices it needs, and writes every format atomically (:func:`common.save_figure`).
Figures 1, 3, 4, 6, 8 and 9 take any tidy score table — this run's, the authors' (``wiringup.tables.authors``)
or both concatenated (column ``source``) — through :func:`data.model_table`, and return a
:class:`common.FigureResult` (the figure, the plotted data, the "no data from <source>" notes).
"""
from wiringup.report.figures.common import REGION_COLORS, REGION_ORDER, FigureResult, save_figure, seed_mean  # noqa: F401
from wiringup.report.figures.data import ModelTable, model_table  # noqa: F401
from wiringup.report.figures.fig1 import plot_fig1, supervised_grid  # noqa: F401
from wiringup.report.figures.fig3 import plot_fig3  # noqa: F401
from wiringup.report.figures.fig4 import plot_fig4  # noqa: F401
from wiringup.report.figures.fig6 import plot_fig6  # noqa: F401
from wiringup.report.figures.fig8 import plot_fig8  # noqa: F401
from wiringup.report.figures.fig9 import plot_fig9  # noqa: F401

#: The figures drawn from a score table of any source (rule ``figure`` in workflow/rules/figures.smk).
TABLE_FIGURES = {"fig1": plot_fig1, "fig3": plot_fig3, "fig4": plot_fig4, "fig6": plot_fig6, "fig8": plot_fig8,
                 "fig9": plot_fig9}
