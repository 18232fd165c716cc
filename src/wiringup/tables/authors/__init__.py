"""Import the authors' own Brain-Score results (Geiger et al. 2022) into a tidy table, and recompute their
headline numbers from it.

The authors published their raw scores as two SQLite files (``scores.sqlite``: the private Brain-Score
benchmarks, which back every figure and headline number of the paper; ``scores_public.sqlite``: the public
variants). Facts used here come from ``docs/AUTHORS_CODE_FACTS.md`` §2, §3.6 and §7 (no code of the authors is
copied). The package, lowest module first:

* :mod:`~wiringup.tables.authors.ids`: the grammar of the authors' model ids and their decoding into this
  pipeline's factors (:func:`decode_model_id`, :data:`KNOWN_CONFIGS`, :func:`unparsed_ids`);
* :mod:`~wiringup.tables.authors.database`: reading the databases (:func:`read_raw`) and the tidy table, one row
  per (model id, benchmark) (:func:`tidy`, :func:`write_tidy`, :func:`read_tidy`, :func:`benchmark_region`);
* :mod:`~wiringup.tables.authors.convergence`: the authors' convergence tables (``global_data.convergence_epoch``,
  ``convergence_images``): a run's converged epoch (:func:`listed_epoch`, :func:`converged_id`);
* :mod:`~wiringup.tables.authors.runs`: the runs each figure and claim averages (``model_versions``, the names of
  ``paper_plots.py``): :func:`runs_of`, :func:`converged_ids`, :func:`excluded_runs`;
* :mod:`~wiringup.tables.authors.predictivity`: the five brain benchmarks averaged into a brain predictivity
  under an explicit missing-score policy (:func:`brain_predictivity`), the authors' run average and 100 %
  (:func:`authors_run_average`, :func:`normaliser`);
* :mod:`~wiringup.tables.authors.headline`: the paper's headline numbers with the authors' aggregation
  (:func:`headline_numbers`, :func:`fig4b_max_gain`);
* :mod:`~wiringup.tables.authors.cli`: ``python -m wiringup.tables.authors`` (:func:`main`).

This ``__init__`` re-exports the names the rest of the pipeline uses, so ``from wiringup.tables import authors
as A`` gives the whole importer.
"""
from wiringup.tables.authors.cli import main
from wiringup.tables.authors.database import (AUTHORS_BENCHMARKS, AUTHORS_FULL_IMAGES, FULL_IMAGENET,
                                              MISSING_POLICIES, RAW_COLUMNS, RAW_TABLE, benchmark_region,
                                              check_missing, read_raw, read_tidy, tidy, write_tidy)
from wiringup.tables.authors.convergence import (CONVERGENCE_EPOCH, CONVERGENCE_IMAGES, converged_id,
                                                 listed_epoch)
from wiringup.tables.authors.headline import (CONV_WEIGHTS_FULL, CONV_WEIGHTS_WC_CT, CONVERGED, DELTA_NORMALISER_IDS,
                                              FIG4B_EPOCHS, FIG4B_IMAGES, FIG8_EPOCHS, FULL_EPOCHS, fig4b_max_gain,
                                              headline_numbers)
from wiringup.tables.authors.ids import DECODED_FIELDS, KNOWN_CONFIGS, decode_model_id, unparsed_ids
from wiringup.tables.authors.predictivity import (NORMALISER_IDS, REGIONS, authors_run_average,
                                                  brain_predictivity, normaliser, write_brain_predictivity)
from wiringup.tables.authors.runs import (AT_BIRTH_SEEDS, FIG5B_MODELS, FIG7_EPOCH, FIG7_MODELS, MODEL_VERSIONS,
                                          base_name, converged_ids, epoch_ids, excluded_runs, exclusion_text,
                                          included, runs_of)

__all__ = ["AT_BIRTH_SEEDS", "AUTHORS_BENCHMARKS", "AUTHORS_FULL_IMAGES", "CONVERGED", "CONVERGENCE_EPOCH",
           "CONVERGENCE_IMAGES", "CONV_WEIGHTS_FULL", "CONV_WEIGHTS_WC_CT", "DECODED_FIELDS", "DELTA_NORMALISER_IDS",
           "FIG4B_EPOCHS", "FIG4B_IMAGES", "FIG5B_MODELS", "FIG7_EPOCH", "FIG7_MODELS", "FIG8_EPOCHS", "FULL_EPOCHS",
           "FULL_IMAGENET", "KNOWN_CONFIGS", "MISSING_POLICIES", "MODEL_VERSIONS", "NORMALISER_IDS", "RAW_COLUMNS",
           "RAW_TABLE", "REGIONS", "authors_run_average", "base_name", "benchmark_region", "brain_predictivity",
           "check_missing", "converged_id", "converged_ids", "decode_model_id", "epoch_ids", "excluded_runs",
           "exclusion_text", "fig4b_max_gain", "headline_numbers", "included", "listed_epoch", "main", "normaliser",
           "read_raw", "read_tidy", "runs_of", "tidy", "unparsed_ids", "write_brain_predictivity", "write_tidy"]
