"""Named effects over seeds (config key `effects`, rule effects) and config/laptop.yaml (issue 13, item 8)."""
from __future__ import annotations

import copy
import json

import numpy as np
import pandas as pd
import pytest

from conftest import REPO, validated_config
from wiringup.core.io import WiringupError
from wiringup.plan import build
from wiringup.plan import effects as PE
from wiringup.tables import effects as TE

LAPTOP = REPO / "config" / "laptop.yaml"
DEFAULT = REPO / "config" / "config.yaml"


@pytest.fixture(scope="module")
def laptop():
    return validated_config(DEFAULT, LAPTOP)


def test_laptop_plan_tests_every_effect_on_scored_models(laptop):
    plan = build(laptop)
    names = [e["name"] for e in plan.effects]
    assert names == ["trained_vs_birth", "wc_vs_kn_at_birth", "ct_vs_dt", "wc_ct_vs_kn_ct"]
    assert PE.TABLE in plan.targets
    for e in plan.effects:
        assert set(e["a"]["models"] + e["b"]["models"]) <= set(plan.scored_models)
        assert len(e["a"]["seeds"]) >= 3 and len(e["b"]["seeds"]) >= 3
    # the reference converges under the authors' plateau schedule; only seed 0 of `standard` trains that long
    assert plan.train_rules["train"]["variants"] == ["standard"] and max(plan.train_rules["train"]["epochs"]) == 45
    assert "standard/n4000_seed0/epoch_45" in plan.scored_models
    assert not any(m.startswith("standard/n4000_seed1") for m in plan.scored_models)
    assert plan.wc.fits["run"]["checkpoint"] == "standard/n4000_seed0/epoch_45"
    # the default has no effects and no effects rule target
    default = build(validated_config(DEFAULT))
    assert default.effects == [] and PE.TABLE not in default.targets


def test_an_effect_on_a_model_not_scored_is_refused_naming_the_key(laptop):
    cfg = copy.deepcopy(laptop)
    cfg["effects"]["ct_vs_dt"]["b"]["model"] = "dt_v4/n4000_seed{seed}/epoch_03"
    with pytest.raises(WiringupError, match=r"effects\.ct_vs_dt\.b: model\(s\) \['dt_v4/n4000_seed0/epoch_03'"):
        build(cfg)
    with pytest.raises(WiringupError, match="same model for several seeds"):
        PE.group_models("init/kn/seed0", [0, 1], "effects.x.a")
    with pytest.raises(WiringupError, match="not a model id with"):
        PE.group_models("init/{init}/seed{seed}", [0, 1], "effects.x.a")


def _table(shift: float, seeds_a=(0, 1, 2), seeds_b=(0, 1, 2, 3, 4)):
    rng = np.random.default_rng(0)
    rows = []
    for group, seeds, base in (("ct", seeds_a, 0.3 + shift), ("dt_it", seeds_b, 0.3)):
        for s in seeds:
            for bench, region in (("A.V1", "V1"), ("B.IT", "IT"), ("C.IT", "IT")):
                rows.append({"model_id": f"{group}/nall_seed{s}/epoch_02", "benchmark_id": bench, "region": region,
                             "score": base + rng.normal(0, 0.01), "raw": 0.1, "ceiling": 0.5, "seed": s,
                             "epoch": 2.0, "init": "kn"})
    return pd.DataFrame(rows)


def _effect(seeds_a=(0, 1, 2), seeds_b=(0, 1, 2, 3, 4)):
    return {"name": "ct_vs_dt", "regions": ["V1", "V2", "IT"],
            "a": {"model": "ct/nall_seed{seed}/epoch_02", "seeds": list(seeds_a),
                  "models": [f"ct/nall_seed{s}/epoch_02" for s in seeds_a]},
            "b": {"model": "dt_it/nall_seed{seed}/epoch_02", "seeds": list(seeds_b),
                  "models": [f"dt_it/nall_seed{s}/epoch_02" for s in seeds_b]}}


def test_effect_rows_detect_a_difference_and_not_its_absence(tmp_path):
    effect = _effect()
    big = pd.DataFrame(TE.compare_effect(_table(0.2), effect, n_resamples=1000)).set_index(["level", "region"])
    mean = big.loc[("mean", "mean")]
    assert mean["difference"] == pytest.approx(0.2, abs=0.02) and mean["n_a"] == 3 and mean["n_b"] == 5
    assert mean["permutation_exact"] and mean["permutation_p"] == pytest.approx(2 / 56)  # the smallest, 3 + 5 seeds
    assert mean["welch_p"] < 1e-4 and mean["model_a"] == "ct/nall_seed{seed}/epoch_02"
    assert set(big.index.get_level_values("region")) == {"V1", "IT", "mean", "A.V1", "B.IT", "C.IT"}  # no V2 scored
    none = pd.DataFrame(TE.compare_effect(_table(0.0), effect, n_resamples=1000)).set_index(["level", "region"])
    assert none.loc[("mean", "mean"), "permutation_p"] > 0.05
    out = TE.run(_table(0.2), [effect], tmp_path / "effects.csv", {"ct_vs_dt": tmp_path / "ct_vs_dt.json"},
                 n_resamples=1000)
    assert list(pd.read_csv(tmp_path / "effects.csv").columns) == TE.EFFECTS_COLUMNS and len(out) == len(big)
    doc = json.loads((tmp_path / "ct_vs_dt.json").read_text())
    assert doc["format"] == "wiringup-effects" and doc["rows"][0]["effect"] == "ct_vs_dt"


def test_effect_on_a_model_without_scores_names_it():
    with pytest.raises(WiringupError, match=r"no scores of \['ct/nall_seed3/epoch_02'\]"):
        TE.compare_effect(_table(0.2), _effect(seeds_a=(0, 1, 3)))
