"""Report: the paper's figures and the reproducibility scorecard."""
