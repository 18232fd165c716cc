"""The WC part of the DAG: the config plan (wiringup.plan.wc), the at-birth statistics (wiringup.tables.wc_stats) and
Fig. 2B, 2C and 7 on this run's tables and on the authors' tidy table."""
from __future__ import annotations

import copy
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from wiringup.plan import wc as P
from wiringup.tables import wc_stats as S
from wiringup.core.io import WiringupError
from wiringup.tables.scores import TABLE_COLUMNS

REPO = Path(__file__).resolve().parents[1]
BENCHES = {"Cowley2023.210325.V4-pls": "V4", "MajajHong2015slice.V4-pls": "V4", "MajajHong2015slice.IT-pls": "IT",
           "Imagenette80-top1": "imagenet"}


@pytest.fixture(scope="module")
def config(validated):
    return validated(REPO / "config" / "config.yaml")


# ------------------------------------------------------------------------------------------------------ plan
def test_plan_of_the_embedded_default(config):
    inits = P.inits(config)
    assert {"kn", "wc", "wc_ct", "mixture_gaussian", "kernel_normal", "no_gabor", "wc_authors", "kn_full"} <= set(inits)
    # kn: exactly the config's model, so adding inits never reruns existing KN models
    assert P.init_model_config(config, "kn") == {"arch": "cornet_s", "width": 0.125, "num_classes": 10}
    wc = P.init_model_config(config, "wc")
    assert wc["sampling"] == {"method": "wc", "source": "run", "file": "results/wc/run/distributions.npz",
                              "copy_bn_stats": True, "zero_noise_1x1": True, "gabor_clip_to_bounds": False,
                              "default_bn": []}
    assert P.init_model_config(config, "wc_ct")["sampling"]["default_bn"] == ["norm3_"]
    assert P.wc_file(config, "no_gabor") == "results/wc/run/no_gabor.npz"
    full = P.init_model_config(config, "wc_authors")
    assert full["width"] == 1.0 and full["sampling"]["file"] == "results/wc/authors/distributions.npz"
    assert P.init_model_config(config, "kn_full") == {"arch": "cornet_s", "width": 1.0, "num_classes": 10}
    names = [c["name"] for c in P.comparisons(config)]
    assert names == ["wc_vs_kn_at_birth", "no_gabor_vs_kn_at_birth"]
    models = P.at_birth_models(config)
    assert {"init/kn/seed0", "init/kn/seed2", "init/wc/seed2", "init/no_gabor/seed1"} <= set(models)
    assert "init/no_gabor/seed2" not in models and "init/wc_authors/seed0" not in models   # (b) is not default
    assert len(P.authors_test_models(config)) == 90          # 6 arms (tests/test_wc_bn_arms.py)
    assert len(P.authors_test_models(config, "bn_none")) == 20
    assert P.figure_fit(config) == "results/wc/run/distributions.npz"
    assert P.method_inits(config)["wc"] == ["wc", "wc_ct", "wc_authors", "wc_authors_bic"]
    files = P.authors_files(config)
    assert len(files) == 17 and files[0].endswith("gm_gabor_V1.conv1.npy")
    assert any(f.endswith("cluster_IT.conv2.pkl") for f in files)      # it_conv2: plain
    # experiment (b)'s full-size models are scored at the paper's 224 px, everything else at model.input_size;
    # the input size is not part of the init model's params (changing it rescores, never rebuilds)
    assert P.score_input_size(config, "init/wc_authors/seed3") == P.score_input_size(config, "init/kn_full/seed0") == 224
    assert P.score_input_size(config, "init/wc/seed0") == P.score_input_size(config, "standard/nall_seed0/epoch_02") == 64
    assert "input_size" not in P.init_model_config(config, "kn_full")


@pytest.mark.parametrize("edit, match", [
    (lambda c: c["weight_compression"]["inits"].update(kn={"method": "kn"}), "built-in"),
    (lambda c: c["weight_compression"]["inits"].update(x={"method": "no_gabor", "source": "authors"}),
     "needs trained weights"),
    (lambda c: c["weight_compression"]["inits"].update(x={"method": "wc", "source": "nowhere"}),
     "inits.x.source"),
    (lambda c: c["weight_compression"]["inits"].update(x={"method": "cluster9", "source": "run"}), "inits.x.method"),
    (lambda c: c["weight_compression"]["at_birth"].update(compare=["nope"]), "'nope' is not an init"),
    (lambda c: c["weight_compression"]["at_birth"].update(seeds=[0]), "at least 2"),
    (lambda c: c["weight_compression"]["fits"]["run"].pop("checkpoint"), "fits.run.checkpoint"),
])
def test_bad_plans_are_refused_naming_the_key(config, edit, match):
    c = copy.deepcopy(config)
    edit(c)
    with pytest.raises(WiringupError, match=match):
        P.inits(c)
        P.comparisons(c)
        P.fits(c)


# ----------------------------------------------------------------------------------------------------- stats
def _table(effect=0.1, seeds=(0, 1, 2), noise=0.01, extra=()):
    """A score table of models at birth (kn, wc) and one trained reference model."""
    rng = np.random.default_rng(0)
    rows = []

    def add(model_id, init, seed, epoch, base, variant=None, trained=None, images=0):
        for b, region in BENCHES.items():
            score = base + (0.05 if b.startswith("Cowley") else 0) + rng.normal(0, noise)
            rows.append({"source": "this run", "model_id": model_id, "benchmark_id": b, "backend": "local",
                         "region": region, "score": score, "arch": "cornet_s", "width": 0.25, "init": init,
                         "variant": variant, "trained": trained, "epoch": epoch, "seed": seed, "images": images,
                         "supervised_updates": images * epoch})

    for s in seeds:
        add(f"init/kn/seed{s}", "kn", s, 0.0, 0.2)
        add(f"init/wc/seed{s}", "wc", s, 0.0, 0.2 + effect)
    add("standard/nall_seed0/epoch_03", "kn", 0, 3.0, 0.5, variant="standard", trained="all", images=9469)
    for r in extra:
        rows.append(r)
    df = pd.DataFrame(rows)
    for c in TABLE_COLUMNS:
        if c not in df.columns:
            df[c] = np.nan
    return df[TABLE_COLUMNS]


def test_at_birth_statistics_per_region_mean_and_benchmark(tmp_path):
    table = _table()
    rows = S.compare_groups(table, comparison="wc_vs_kn_at_birth", init_a="wc", seeds_a=[0, 1, 2], init_b="kn",
                            seeds_b=[0, 1, 2], regions=["V1", "V2", "V4", "IT", "behavior"])
    by = {(r["level"], r["region"]): r for r in rows}
    assert set(by) == {("region", "V4"), ("region", "IT"), ("mean", "mean"),
                       ("benchmark", "Cowley2023.210325.V4-pls"), ("benchmark", "MajajHong2015slice.V4-pls"),
                       ("benchmark", "MajajHong2015slice.IT-pls")}
    v4 = by[("region", "V4")]
    wc = table[(table["init"] == "wc") & (table["region"] == "V4")].groupby("seed")["score"].mean()
    assert v4["mean_a"] == pytest.approx(wc.mean()) and v4["n_a"] == 3 and v4["seeds_a"] == "0,1,2"
    assert v4["benchmarks"] == "Cowley2023.210325.V4-pls,MajajHong2015slice.V4-pls"
    assert by[("mean", "mean")]["difference"] == pytest.approx(0.1, abs=0.02)
    # 3 vs 3 completely separated: the exact two-sided permutation p is 2 / C(6, 3) = 0.1
    assert v4["permutation_p"] == pytest.approx(0.1) and v4["permutation_exact"]
    assert v4["welch_p"] < 0.01 and v4["hedges_g"] > 2
    out = S.write_outputs({"wc_vs_kn_at_birth": rows}, tmp_path / "t.csv",
                          {"wc_vs_kn_at_birth": tmp_path / "s.json"})
    assert list(out.columns) == S.WC_STATS_COLUMNS and len(out) == 6
    saved = json.loads((tmp_path / "s.json").read_text())
    assert len(saved["rows"][0]["scores_a"]) == 3
    back = S.read_stats_table(tmp_path / "t.csv")
    assert back.loc[back["region"] == "mean", "permutation_p"].iloc[0] == pytest.approx(0.1)


def test_statistics_refuse_missing_seeds_and_scores():
    table = _table()
    with pytest.raises(WiringupError, match=r"init 'wc' at birth for seed\(s\) \[5\]"):
        S.compare_groups(table, comparison="c", init_a="wc", seeds_a=[0, 5], init_b="kn", seeds_b=[0, 1])
    table.loc[(table["model_id"] == "init/kn/seed1") & (table["region"] == "IT"), "score"] = np.nan
    with pytest.raises(WiringupError, match=r"kn lacks scores for region\(s\) \['IT'\] in seed\(s\) \[1\]"):
        S.compare_groups(table, comparison="c", init_a="wc", seeds_a=[0, 1], init_b="kn", seeds_b=[0, 1])
    dup = pd.concat([_table(), _table().assign(model_id=lambda d: d["model_id"] + "b")])
    with pytest.raises(WiringupError, match="several rows per"):
        S.compare_groups(dup, comparison="c", init_a="wc", seeds_a=[0, 1], init_b="kn", seeds_b=[0, 1])
    assert S.stars(0.0004) == "***" and S.stars(0.2) == "n.s." and S.stars(None) == ""


# --------------------------------------------------------------------------------------------------- figures
def test_fig2c_draws_this_run_with_the_stats_table(tmp_path):
    from wiringup.report.figures.fig2 import plot_fig2c

    table = _table()
    rows = S.compare_groups(table, comparison="wc_vs_kn_at_birth", init_a="wc", seeds_a=[0, 1, 2], init_b="kn",
                            seeds_b=[0, 1, 2])
    stats = pd.DataFrame(rows)
    res = plot_fig2c(table, [str(tmp_path / "f.png")], stats=stats)
    assert (tmp_path / "f.png").stat().st_size > 10_000
    d = res.data["this run:regions"]
    assert set(d["region"]) == {"V4", "IT", "mean"} and set(d["n"]) == {3}
    assert d.loc[d["region"] == "mean", "permutation_p"].iloc[0] == pytest.approx(0.1)
    rel = res.data["this run:relative"].set_index("group")["mean"]
    assert rel["WC"] > rel["KN"] and "standard/nall_seed0/epoch_03" in res.caption
    # per benchmark (experiment (b)'s figure): the benchmark-level p-values of the stats table
    res = plot_fig2c(table, [], stats=stats, by="benchmark")
    d = res.data["this run:regions"]
    assert set(d["region"]) == {"Cowley2023.210325.V4-pls", "MajajHong2015slice.V4-pls", "MajajHong2015slice.IT-pls",
                                "mean"}
    assert d["permutation_p"].notna().all()
    # a missing group is named, not an error
    res = plot_fig2c(table[table["init"] != "wc"], [])
    assert any("no models at birth of WC" in n for n in res.notes)


def test_fig7_draws_what_exists_and_names_the_rest():
    from wiringup.report.figures.fig7 import plot_fig7

    table = _table()
    ct = table[table["model_id"] == "init/wc/seed0"].assign(model_id="wc_ct/n500_seed0/epoch_01", init="wc_ct",
                                                             trained="ct", variant="wc_ct", epoch=1.0, images=500)
    res = plot_fig7(pd.concat([table, ct]), [], method_inits={"wc": ["wc", "wc_ct"]},
                    at_birth={"control": "kn", "seeds": [0, 1, 2], "compare": {"wc": [0, 1, 2]}})
    bars = res.data["bars"]
    assert set(zip(bars["method"], bars["what"])) == {("wc", "without training"), ("wc", "after CT")}
    assert bars.loc[bars["what"] == "after CT", "point"].iloc[0] == "500 images, epoch 1"
    assert any("Mixture Gaussian without training" in n for n in res.notes)


def test_fig2b_from_a_fit_and_from_the_authors_files(tmp_path, data_root):
    from wiringup.wc.authors import import_authors
    from wiringup.wc.distributions import save_wc
    from wiringup.wc.fit import fit_wc
    from wiringup.report.figures.fig2 import plot_fig2b
    from wiringup.nets.registry import build_model

    wc = fit_wc(build_model("cornet_s", seed=0, width=0.0625, num_classes=2), k_range=(2, 4),
                gabor_components=1, gabor_niter=0)
    path = tmp_path / "wc.npz"
    save_wc(wc, path)
    res = plot_fig2b(str(path), [str(tmp_path / "b.png")])
    assert (tmp_path / "b.png").is_file() and len(res.data["A"]) == 4          # 4 first-layer kernels at 1/16
    assert set(res.data["B"]["layer"]) == {"V1.conv2", "V2.conv2", "V4.conv2", "IT.conv2"}
    assert len(res.data["C"]) == 16 and not res.notes
    authors = data_root / "geiger2022" / "wc_distributions"
    if not authors.is_dir():
        pytest.skip("authors' WC files not found")
    res = plot_fig2b(import_authors(authors, it_conv2="plain", gabor_components=4, gmm_n_init=2), [])
    assert len(res.data["A"]) == 64 and res.data["C"].empty
    assert any("chose k by eye" in n for n in res.notes)
    shares = res.data["B"].groupby("layer")["share"].sum()
    np.testing.assert_allclose(shares, 1.0)                                      # mean counts sum to in_channels


@pytest.fixture(scope="module")
def authors_table(data_root):
    from wiringup.tables import authors as A

    db = data_root / "geiger2022" / "scores.sqlite"
    if not db.is_file():
        pytest.skip("the authors' score database is not available")
    return A.tidy(A.read_raw(db), "private")


def test_fig2c_on_the_authors_table_reproduces_the_paper(authors_table):
    """Paper Sec. 4: WC 54 ± 1.5 % vs KN 43 ± 1.7 % of the trained model at birth (n = 10), p < 1e-5."""
    from wiringup.report.figures.fig2 import plot_fig2c

    res = plot_fig2c(authors_table, [])
    rel = res.data["authors:relative"].set_index("group")
    assert rel.loc["WC", "mean"] == pytest.approx(53.79, abs=0.01) and rel.loc["WC", "n"] == 10
    assert rel.loc["KN", "mean"] == pytest.approx(42.62, abs=0.01) and rel.loc["KN", "n"] == 10
    d = res.data["authors:regions"]
    assert d.loc[(d["region"] == "mean") & (d["group"] == "WC"), "permutation_p"].iloc[0] < 1e-4


def test_fig7_on_the_authors_table(authors_table):
    """App. B.3: WC and Mixture Gaussian close; no Gabor prior 13 pp below Kernel normal at birth, 9 after CT."""
    from wiringup.report.figures.fig7 import plot_fig7

    res = plot_fig7(authors_table, [])
    bars = res.data["bars"].set_index(["method", "what"])["mean"]
    assert len(bars) == 8 and not res.notes
    assert abs(bars[("wc", "without training")] - bars[("mixture_gaussian", "without training")]) < 5
    assert bars[("kernel_normal", "without training")] - bars[("no_gabor", "without training")] == \
        pytest.approx(13.7, abs=0.5)
    assert bars[("kernel_normal", "after CT")] - bars[("no_gabor", "after CT")] == pytest.approx(9.0, abs=0.5)
    assert all(bars[(m, "after CT")] > bars[(m, "without training")] for m in
               ("wc", "mixture_gaussian", "kernel_normal", "no_gabor"))
