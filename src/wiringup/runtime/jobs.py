"""What the scripts of two rules share (each rule has its own script in workflow/scripts/)."""
from __future__ import annotations

from typing import Any

from wiringup.core.env import resolve_data_path
from wiringup.core.io import write_json
from wiringup.core.provenance import Recorder


def write_manifest(smk: Any, split: str, n: int | str, images: str | None = None) -> dict[str, Any]:
    """Rules manifest (``split`` train, ``images`` the wildcard) and manifest_val (val): ``n`` images of the split of
    imagenet.root, drawn uniformly with imagenet.subset_seed, into ``smk.output[0]`` and its provenance sidecar."""
    from wiringup.data.manifests import make_manifest

    imagenet = smk.params.imagenet
    root = resolve_data_path(smk.params.data_root, imagenet["root"], "imagenet.root")
    rec = Recorder(smk.rule, {"imagenet": imagenet, "split": split, "images": images})
    summary = make_manifest(root, split, n, int(imagenet["subset_seed"]), smk.output[0],
                            verify=imagenet["verify_images"], progress=True)
    write_json(smk.output[0] + ".prov.json", rec.record(summary=summary, data_root=str(root)))
    print(summary)
    return summary


#: The columns rules wc_stats and wc_authors_test_stats print of their statistics tables.
STATS_SHOWN = ["comparison", "level", "region", "n_a", "mean_a", "sem_a", "n_b", "mean_b", "sem_b", "welch_p",
               "permutation_p", "hedges_g"]


def print_stats(df: Any) -> None:
    print(df[STATS_SHOWN].to_string(index=False))
