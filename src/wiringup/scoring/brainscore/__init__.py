"""The ``brainscore`` scoring backend: the paper's Brain-Score benchmarks, run through brainscore-vision 2.x.

Modules (import them directly; this package only sets the environment brainscore-vision must see first):

``catalog``
    The paper's benchmarks under their brainscore-vision 2.x names, their regions, paper-era identifiers and the
    data each loads; the config keys of this backend.
``model``
    Our model as a brainscore-vision ``ModelCommitment`` the way the authors' CORnet commitment did it
    (:func:`~wiringup.scoring.brainscore.model.brain_model`, with ``<module>-t<K>`` timestep layers).
``offline``
    The download policy: which BrainIO cache files a benchmark needs, the offline guard that keeps every BrainIO
    download entry point local, and ``load_benchmark_checked``.
``prefetch``
    Filling BrainIO's cache once, before any score job (rule ``prefetch_brainscore`` on the submit host, or
    ``python -m wiringup.scoring.brainscore.prefetch``): BrainIO's own download and SHA1 check.
``score``
    Scoring a model on one benchmark through brainscore-vision
    (:func:`~wiringup.scoring.brainscore.score.score_brainscore`), with the result in the score-dict keys of the
    local backend (:func:`wiringup.scoring.neural.score_neural`).

The tests run brainscore-vision's own metric and ceiling on local data through this backend
(``tests/brainscore_helpers.py``), so the backend is tested without any network.
"""
import os

# Before anything can import brainscore_vision: never pip-install plugin requirements, never probe AWS metadata.
os.environ["BS_INSTALL_DEPENDENCIES"] = "no"
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
