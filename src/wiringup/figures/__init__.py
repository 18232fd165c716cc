"""Paper figures, drawn only from small tables (the tidy score table, statistics tables, WC files), never from
checkpoints, so a style change never reruns training or scoring.

One module per paper figure (``fig1`` …); each ``plot_*`` function takes its tables, the output paths (one
per format) and the config slices it needs, and writes every format atomically (:func:`common.save_figure`).
"""
from .common import REGION_COLORS, REGION_ORDER, save_figure, seed_mean  # noqa: F401
from .fig1 import plot_fig1, supervised_grid  # noqa: F401
