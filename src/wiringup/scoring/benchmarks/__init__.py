"""Local neural benchmarks: recorded responses plus the images that evoked them, one module per family.

Brain-Score packages a neural benchmark as a ``NeuroidAssembly`` (presentation x neuroid [x time_bin], with
``stimulus_id``/``repetition`` coords) plus a ``StimulusSet``, and downloads both from its servers. The
benchmarks the paper used (FreemanZiemba2013 V1/V2, MajajHong2015 V4/IT, Rajalingham2018) are reachable only
that way (:mod:`wiringup.scoring.brainscore`). This package holds benchmarks that are available as local files,
in one plain in-memory format, :class:`~wiringup.scoring.benchmarks.neural_data.NeuralData`: the images, and a
``neuroid x stimulus x repeat`` float array with NaN where a repeat is missing. :mod:`wiringup.scoring.neural`
scores models on it with a re-implementation of Brain-Score's PLS metric (:mod:`wiringup.scoring.metric`) and
split-half ceiling (:mod:`wiringup.scoring.ceiling`).

Every benchmark carries its own scoring scheme: ``cv_scheme`` (``"shuffle"``: Brain-Score's ten 90/10
``ShuffleSplit`` splits; ``"kfold_pooled"``: K-fold predictions pooled over all stimuli, for benchmarks with
few stimuli, see :func:`wiringup.scoring.metric.pls_crossval`), ``n_folds`` and ``ceiling_scheme``
(``"internal_consistency"``: Brain-Score's split-half consistency of the repeats; ``"none"``: trial averages
only, the score is reported unceiled). ``NeuralData.summary`` gives the metadata every benchmark exposes
(id, one-line description, citation, region, n_stimuli, n_neuroids, computed ceiling).

**Stimulus size.** Brain-Score places each stimulus on a canvas so that its visual-degree size matches the
model's 8 deg field of view. Local benchmarks do not: the whole image is resized to the model's input size
(:func:`wiringup.nets.preprocessing.preprocess_stimuli`). For MajajHong2015 (8 deg images) that is what
Brain-Score does too; the Cowley images (112 px) carry no visual-degree size, so their mapping to the model's
field is unknown (``image_degrees`` is None).

Modules:

``neural_data``
    :class:`~wiringup.scoring.benchmarks.neural_data.NeuralData`, the in-memory format shared by all families.
``assembly``
    The packaged-assembly file format (one self-contained netCDF4 file per benchmark) and its writer/reader.
``registry``
    ``BENCHMARK_TYPES`` (config ``type`` -> loader) and ``load_benchmark``.
``cowley2023``, ``majajhong2015``
    One module per benchmark family: its loader(s), citation and file checks.

Registered types (a config entry needs ``type``, ``path`` (relative to the data root) and ``region``, and may
override the loader's CV scheme with ``cv_scheme`` / ``n_folds``, passed to ``load_benchmark``; its key must
equal the id the loader derives):

``cowley2023`` (:mod:`~wiringup.scoring.benchmarks.cowley2023`)
    One recording session folder of Cowley, Stan, Pillow & Smith (2023): macaque V4 spike counts (100 ms bins)
    to 112x112 RGB images. Generic over session folders: any folder with ``images.zip`` and
    ``responses_raw.npy`` and/or ``responses_avg.npy`` is a benchmark ``Cowley2023.<folder name>.V4-pls``. With
    repeats (e.g. 210325) it is ceiled; with trial averages only (e.g. 201025) it is scored unceiled (raw r).
    A *local* V4 benchmark, **not** Brain-Score's ``MajajHong2015.V4-pls``; scores are not comparable with the
    paper's V4 numbers. CV scheme ``shuffle``.
``majajhong2015_slice`` (:mod:`~wiringup.scoring.benchmarks.majajhong2015`)
    The 25-image test slice of the MajajHong2015 public data (Brain-Score's packaging, BrainIO netCDF
    ``assembly.nc`` + ``images/<image_id>.png`` + ``images/test_images.csv``), region ``V4`` or ``IT``:
    ``MajajHong2015slice.V4-pls`` / ``MajajHong2015slice.IT-pls``. Not Brain-Score's MajajHong2015 benchmark
    (2,560 images); CV scheme ``kfold_pooled`` (25 stimuli are too few for 90/10 splits).
``assembly`` (:mod:`~wiringup.scoring.benchmarks.assembly`)
    A file written by ``package_assembly`` (any of the above, self-contained: responses, coords, scheme and
    the stimuli's pixels in one netCDF file). Loads to exactly the ``NeuralData`` that was packaged.

**Adding a family** (e.g. Marques2020, Coggan2024, Geirhos2021, Kiani2007): write one module here whose
loader takes ``(path, region=..., **own arguments)`` and returns a ``NeuralData`` (with its id, description,
citation, cv and ceiling schemes), add one entry to ``BENCHMARK_TYPES`` in
:mod:`~wiringup.scoring.benchmarks.registry`, and list the type in the config schema's benchmark ``type`` enum
(``workflow/schemas/config.schema.yaml``). Packaging, loading the packaged file and scoring need no change.
"""
