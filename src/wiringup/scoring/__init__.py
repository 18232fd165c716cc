"""Scoring (Brain-Score's method on local data, or brainscore-vision itself).

Modules, lowest first: ``metric`` (PLS cross-validation, numpy only) < ``ceiling`` (split-half internal
consistency, Spearman-Brown) < ``benchmarks`` (local benchmark data: ``NeuralData``, packaged assemblies, one
module per benchmark family, the registry) < ``features`` (torch: layers, activations, stimuli -> features) <
``neural`` (ceiled PLS score of a layer) < ``selection`` (layer selection) and ``top1`` (ImageNet top-1);
``brainscore`` (the brainscore-vision backend: catalog, model commitment, offline cache policy, scoring); ``jobs``
(the scoring job: one checkpoint -> score JSON files).
"""
