"""Scoring (Brain-Score's method on local data, or brainscore-vision itself): features, metric, ceilings,
benchmarks, top-1, and the scoring job."""
