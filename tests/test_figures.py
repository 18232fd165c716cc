"""Paper figures from tidy score tables (wiringup.report.figures): this run's, the authors', both overlaid.

A synthetic score table of "this run" with a known design checks the number of points every panel draws
(counted from the matplotlib artists' data, not from file sizes), the missing-score policy and the
"no data from <source>" notes; the authors' private database checks that every figure is complete with their data.
"""
from __future__ import annotations

import itertools
import math
import os
from pathlib import Path

import pandas as pd
import pytest

from wiringup.tables import authors as A
from wiringup.report.figures import TABLE_FIGURES, model_table
from wiringup.report.figures import data as D
from wiringup.report.figures.common import data_lines, n_points
from wiringup.tables.scores import TABLE_COLUMNS

REPO = Path(__file__).resolve().parents[1]
DATA_ROOT = Path(os.environ.get("WIRINGUP_DATA_ROOT", REPO.parent / "shared" / "data"))
PRIVATE_DB = DATA_ROOT / "geiger2022" / "scores.sqlite"
RUN = "this run"
BENCHES = {"Local.V4-a": "V4", "Local.V4-b": "V4", "Local.IT": "IT", "Local-top1": "imagenet"}
RECIPE = {"optimizer": "sgd", "lr": 0.1, "weight_decay": 1e-4}
FULL = 400   # "all" images of the synthetic run


def _score(region: str, su: float, init: str, trained: str | None, seed: int, arch: str = "cornet_s") -> float:
    """A deterministic score that grows with log supervised updates; WC starts higher, CT saturates lower."""
    base = {"V4": 0.30, "IT": 0.20, "imagenet": 0.05}[region] + (0.08 if init == "wc" else 0.0)
    gain = {"all": 0.05, "ct": 0.03, "dt_it": 0.02, None: 0.0}.get(trained, 0.03)
    return base + gain * math.log10(1 + su) + 0.003 * seed + (0.0 if arch == "cornet_s" else 0.01)


def _model(model_id, *, variant, init, trained, images, epoch, seed, optimizer="sgd", lr=0.1, wd=1e-4, arch="cornet_s",
           weights=1000.0, drop=()):
    rows = []
    su = images * epoch
    for bench, region in BENCHES.items():
        if region in drop:
            continue
        at_birth = epoch == 0
        rows.append({"source": RUN, "model_id": model_id, "benchmark_id": bench, "backend": "local", "region": region,
                     "layer": "x", "score": _score(region, su, init, trained, seed, arch), "raw": 0.1, "ceiling": 0.7,
                     "error": 0.01, "n_stimuli": 100, "n_neuroids": 10, "arch": arch, "width": 0.25,
                     "variant": None if at_birth else variant, "init": init, "trained": None if at_birth else trained,
                     "optimizer": None if at_birth else optimizer, "lr": None if at_birth else lr,
                     "weight_decay": None if at_birth else wd, "images": 0 if at_birth else images,
                     "epoch": float(epoch), "seed": seed, "supervised_updates": su,
                     "synaptic_updates": su * (0 if at_birth else weights), "images_seen": su, "step": 1,
                     "trained_conv_weights": 0 if at_birth else weights, "seconds": 1.0})
    return rows


def run_table(*, with_experiments: bool = True) -> pd.DataFrame:
    """Standard grid: images {100, 400 (= all)} × epochs {0.5, 1, 2} × seeds {0, 1}, KN at birth (2 seeds), the
    pixels baseline; with_experiments adds CT and DT (all images, epoch 2), WC at birth (2 seeds), WC+CT
    (images {100, 400} × epochs {0.5, 1}) and an Adam variant (100 images, epochs {0.5, 1}). One checkpoint
    (standard/n100_seed1/epoch_0.5) lacks its IT score."""
    rows = []
    for seed in (0, 1):
        rows += _model(f"init/kn/seed{seed}", variant=None, init="kn", trained=None, images=0, epoch=0, seed=seed)
        for images, epoch in itertools.product((100, FULL), (0.5, 1, 2)):
            drop = ("IT",) if (images, epoch, seed) == (100, 0.5, 1) else ()
            label = f"{epoch:02d}" if float(epoch).is_integer() else f"{epoch:g}"
            rows += _model(f"standard/n{images}_seed{seed}/epoch_{label}", variant="standard", init="kn",
                           trained="all", images=images, epoch=epoch, seed=seed, drop=drop)
    rows += [dict(r, arch="pixels", variant="baseline", init=None, layer="pixels", score=0.05)
             for r in _model("baselines/pixels", variant="baseline", init=None, trained=None, images=0, epoch=0,
                             seed=0) if r["region"] != "imagenet"]
    if with_experiments:
        rows += _model("ct/n400_seed0/epoch_02", variant="ct", init="kn", trained="ct", images=FULL, epoch=2, seed=0,
                       weights=30)
        rows += _model("dt_it/n400_seed0/epoch_02", variant="dt_it", init="kn", trained="dt_it", images=FULL, epoch=2,
                       seed=0, weights=600)
        for seed in (0, 1):
            rows += _model(f"init/wc/seed{seed}", variant=None, init="wc", trained=None, images=0, epoch=0, seed=seed)
        for images, epoch in itertools.product((100, FULL), (0.5, 1)):
            label = f"{epoch:02d}" if float(epoch).is_integer() else f"{epoch:g}"
            rows += _model(f"wc_ct/n{images}_seed0/epoch_{label}", variant="wc_ct", init="wc", trained="ct",
                           images=images, epoch=epoch, seed=0, weights=31)
        for epoch in (0.5, 1):
            label = f"{epoch:02d}" if float(epoch).is_integer() else f"{epoch:g}"
            rows += _model(f"adam/n100_seed0/epoch_{label}", variant="adam", init="kn", trained="all", images=100,
                           epoch=epoch, seed=0, optimizer="adam")
    return pd.DataFrame(rows, columns=TABLE_COLUMNS)


def draw(name: str, table, tmp_path=None, **kw):
    outputs = [str(tmp_path / f"{name}.png")] if tmp_path is not None else []
    kw.setdefault("run_recipe", RECIPE)
    if name == "fig1":
        kw.setdefault("experiment", {"variant": "standard", "seeds": [0, 1]})
    else:
        kw.setdefault("standard_variant", "standard")
    return TABLE_FIGURES[name](table, outputs, **kw)


def panel(result, title_start: str):
    axes = [ax for ax in result.figure.axes if ax.get_title().startswith(title_start)]
    assert axes, [ax.get_title() for ax in result.figure.axes]
    return axes[0]


# ------------------------------------------------------------------------------------------- the model table

def test_model_table_of_this_run_normalises_and_flags():
    mt = model_table(run_table(), run_recipe=RECIPE, standard_variant="standard")
    m = mt.models.set_index("model_id")
    info = mt.sources[RUN]
    assert info.regions == ["V4", "IT"]
    assert sorted(info.reference_ids) == ["standard/n400_seed0/epoch_02", "standard/n400_seed1/epoch_02"]
    ref = m.loc[info.reference_ids, "brain_predictivity"].mean()
    assert info.reference_bp == pytest.approx(ref)
    assert m.loc[info.reference_ids, "rel_bp"].mean() == pytest.approx(100.0)
    # region = mean of its benchmarks; brain predictivity = mean over the regions the run scores
    rows = run_table()
    r = rows[rows["model_id"] == "ct/n400_seed0/epoch_02"].set_index("benchmark_id")["score"]
    v4 = (r["Local.V4-a"] + r["Local.V4-b"]) / 2
    assert m.loc["ct/n400_seed0/epoch_02", "V4"] == pytest.approx(v4)
    assert m.loc["ct/n400_seed0/epoch_02", "brain_predictivity"] == pytest.approx((v4 + r["Local.IT"]) / 2)
    # the missing IT score: no brain predictivity under "nan", the mean with a 0 under "zero"
    assert math.isnan(m.loc["standard/n100_seed1/epoch_0.5", "brain_predictivity"])
    assert info.n_without_bp == 1 and "1 of" in info.caption()
    z = model_table(run_table(), missing="zero", run_recipe=RECIPE).models.set_index("model_id")
    assert z.loc["standard/n100_seed1/epoch_0.5", "brain_predictivity"] == pytest.approx(
        z.loc["standard/n100_seed1/epoch_0.5", "V4"] / 2)
    # factors
    assert bool(m.loc["init/kn/seed0", "birth"]) and not bool(m.loc["standard/n100_seed0/epoch_01", "birth"])
    assert bool(m.loc["standard/n400_seed0/epoch_02", "converged"])
    assert not bool(m.loc["standard/n400_seed0/epoch_01", "converged"])
    assert bool(m.loc["standard/n400_seed0/epoch_01", "full_data"]) and not bool(m.loc["wc_ct/n100_seed0/epoch_01",
                                                                                          "full_data"])
    assert not bool(m.loc["adam/n100_seed0/epoch_01", "default_recipe"])
    assert bool(m.loc["standard/n100_seed0/epoch_01", "default_recipe"])
    assert m.loc["baselines/pixels", "kind"] == "baseline" and m.loc["baselines/pixels", "arch"] == "pixels"
    assert "local benchmarks are not Brain-Score's" in info.suite


def test_model_table_rejects_a_table_without_scores():
    with pytest.raises(Exception, match="lacks columns"):
        model_table(pd.DataFrame({"model_id": ["x"]}))
    with pytest.raises(Exception, match="missing="):
        model_table(run_table(), missing="drop")


# ------------------------------------------------------------------------- this run: points per panel

@pytest.fixture(scope="module")
def run_mt():
    return model_table(run_table(), run_recipe=RECIPE, standard_variant="standard")


def test_fig1_points_and_files(tmp_path):
    r = draw("fig1", run_table(), tmp_path)
    assert (tmp_path / "fig1.png").stat().st_size > 20_000
    a, b, c = panel(r, "A"), panel(r, "B"), panel(r, "C")
    assert n_points(a) == 6                      # 2 image counts × 3 epochs, seed means
    assert len(data_lines(a)) == 2
    assert n_points(b) == 2 * 4                  # V4, IT × (birth + 3 epochs) on all images
    assert n_points(c) == 2 * 2                  # V4, IT × 2 image counts at convergence
    assert not r.notes
    # the reference model is 100 % and the seed mean of the full-data epoch-2 point
    line = next(ln for ln in data_lines(a) if ln.get_gid().endswith("400 images"))
    assert line.get_ydata()[-1] == pytest.approx(100.0)
    assert "this run" in r.caption and "Local.IT (local)" in r.caption


def test_fig3_points(run_mt):
    r = draw("fig3", run_mt)
    c, d = panel(r, "C"), panel(r, "D")
    assert n_points(c) == 5 and n_points(d) == 5   # DT: standard + dt_it, CT: standard + ct, WC+CT: 1
    sets = r.data["sets"].set_index(["init", "trained"])
    assert sets.loc[("kn", "ct"), "weights_percent"] == pytest.approx(3.0)
    assert sets.loc[("wc", "ct"), "weights_percent"] == pytest.approx(3.1)
    assert sets.loc[("kn", "dt_it"), "weights_percent"] == pytest.approx(60.0)


def test_fig4_points(run_mt):
    r = draw("fig4", run_mt)
    a = panel(r, "A")
    assert n_points(a) == 6 + 4                  # standard grid + WC+CT grid (epochs > 0)
    b = panel(r, "B")
    assert n_points(b) == 6                      # cells both families have: images {100, 400} × epochs {0, 0.5, 1}
    grid = r.data[f"B|{RUN}"]
    assert list(grid.columns) == [0.0, 0.5, 1.0] and list(grid.index) == [100.0, 400.0]
    assert (grid[0.0] > 0).all()                 # WC at birth beats KN at birth by construction


def test_fig6_points(run_mt):
    r = draw("fig6", run_mt)
    ax = r.figure.axes[0]
    assert n_points(ax) == 3 + 3 + 2             # default recipe on all images and on 100 images, Adam
    assert any("adam" in ln.get_gid() for ln in data_lines(ax))


def test_fig8_points(run_mt):
    r = draw("fig8", run_mt)
    assert n_points(panel(r, "A")) == 6 + 1 + 4  # standard, KN+CT, WC+CT
    assert n_points(panel(r, "B")) == 6          # WC+CT: images {100, 400} × epochs {0, 0.5, 1}
    assert n_points(panel(r, "C")) == 8          # standard: images {100, 400} × epochs {0, 0.5, 1, 2}


def test_fig9_points(run_mt):
    r = draw("fig9", run_mt)
    assert n_points(panel(r, "A")) == 2 * 3      # V4, IT × (birth, 0.5, 1) on all images
    assert n_points(panel(r, "B")) == 2 * 2      # V4, IT × 2 image counts


@pytest.mark.parametrize("name", sorted(TABLE_FIGURES))
def test_missing_experiments_give_notes_not_crashes(name, tmp_path):
    r = draw(name, run_table(with_experiments=False), tmp_path)
    assert (tmp_path / f"{name}.png").stat().st_size > 10_000
    if name in ("fig3", "fig6", "fig9"):
        assert any(f"no data from {RUN}" in n for n in r.notes), r.notes
        texts = [t.get_text() for ax in r.figure.axes for t in ax.texts]
        assert any(t.startswith(f"no data from {RUN}") for t in texts)
    if name == "fig1":
        assert not r.notes


# ------------------------------------------------------------------------------------------ authors' data

@pytest.fixture(scope="module")
def authors_table():
    if not PRIVATE_DB.is_file():
        pytest.skip(f"authors' private score DB not found at {PRIVATE_DB}; set WIRINGUP_DATA_ROOT")
    return A.tidy(A.read_raw(PRIVATE_DB), "private")


@pytest.fixture(scope="module")
def authors_mt(authors_table):
    return model_table(authors_table)


def test_authors_model_table_reference_and_families(authors_mt):
    info = authors_mt.sources["authors (private)"]
    assert info.reference_bp == pytest.approx(0.4215, abs=5e-4)
    assert info.delta_reference_bp == pytest.approx(0.42493, abs=5e-5)
    m = authors_mt.models
    conv = m[m["converged"] & m["full_data"] & m["canonical"] & m["default_recipe"] & (m["arch"] == "cornet_s")]
    rel = conv.groupby(["init", "trained"])["rel_bp"].mean()
    assert rel[("kn", "all")] == pytest.approx(100.0)
    assert rel[("kn", "ct")] == pytest.approx(76.0, abs=0.1)
    assert rel[("wc", "ct")] == pytest.approx(82.0, abs=0.1)
    assert rel[("kn", "dt_it")] == pytest.approx(64.8, abs=0.1)
    births = D.reported_births(D.family(m, "wc", "ct"), info)
    assert len(births) == 10 and births["rel_bp"].mean() == pytest.approx(53.8, abs=0.1)
    pix = m[m["model_id"] == D.PIXELS_COMBINED_ID].iloc[0]
    assert pix["rel_bp"] == pytest.approx(6.8, abs=0.1)


EXPECTED_AUTHORS = {  # panel title start -> minimum points (exact where the grid is fixed)
    "fig1": {"A": 100, "B": 100, "C": 35},
    "fig3": {"C": 20, "D": 20},
    # the authors' heatmap grids, 7 image rows (6 subsets + all) × their epochs + a convergence column:
    # Fig. 4B (plot_figure_4 → delta_heatmap) epochs 0, 1, 3, 6, 10, 20; Fig. 8B/C (supp_4 → image_epoch_heatmap)
    # epochs 0, 1, 2, 3, 5, 6, 10, 20 (before: 8 epochs for both and no convergence column, 56 cells)
    "fig4": {"A": 200, "B": 7 * (6 + 1)},
    "fig6": {"brain": 40},
    "fig8": {"A": 300, "B": 7 * (8 + 1), "C": 7 * (8 + 1)},
    "fig9": {"A": 100, "B": 35},
}
EXACT = {("fig1", "C"), ("fig3", "C"), ("fig3", "D"), ("fig4", "B"), ("fig8", "B"), ("fig8", "C"), ("fig9", "B")}


@pytest.mark.parametrize("name", sorted(TABLE_FIGURES))
def test_every_figure_is_complete_with_the_authors_data(name, authors_mt):
    r = draw(name, authors_mt)
    assert not [n for n in r.notes if "no data" in n], r.notes
    for title, expected in EXPECTED_AUTHORS[name].items():
        got = n_points(panel(r, title))
        if (name, title) in EXACT:
            assert got == expected, (name, title)
        else:
            assert got >= expected, (name, title, got)
    assert "Brain-Score private benchmarks" in r.caption and "0.4215" in r.caption


def test_overlay_draws_both_sources(authors_table):
    both = pd.concat([authors_table, run_table()], ignore_index=True)
    mt = model_table(both, run_recipe=RECIPE, standard_variant="standard")
    assert set(mt.sources) == {"authors (private)", RUN}
    r = draw("fig1", mt)
    a = panel(r, "A")
    assert n_points(a, RUN) == 6 and n_points(a, "authors (private)") >= 100
    # B and C: one row of panels per source
    assert len([ax for ax in r.figure.axes if ax.get_title().startswith("B")]) == 2
    assert "this run" in r.caption and "authors (private)" in r.caption
    r3 = draw("fig3", mt)
    assert n_points(panel(r3, "C"), RUN) == 5 and n_points(panel(r3, "C"), "authors (private)") == 20


def test_authors_converged_checkpoints_follow_their_convergence_tables(authors_mt):
    """Converged = the epoch of global_data.convergence_epoch / convergence_images, only for the runs of the
    inclusion lists (model_versions); the caption names the runs the tables do not list and those left out."""
    m = authors_mt.models
    conv = set(m.loc[m["converged"].astype(bool), "model_id"])
    assert "CORnet-S_full_img500000_epoch_21" in conv and "CORnet-S_full_img500000_epoch_30" not in conv
    assert "resnet_v3_CORnet-S_cluster2_v2_IT_trconv3_bi_epoch_22" in conv
    assert not any(i.startswith("CORnet-S_train_conv3_bi_img100_epoch_") for i in conv)    # listed 93, not scored
    assert not any(i.startswith(("CORnet-S_full_seed94_", "CORnet-S_cluster2_v2_IT_trconv3_bi_seed94_")) for i in conv)
    assert "CORnet-S_train_conv1_bi_epoch_30" in conv                                      # not listed: last one
    std = set(D.standard_family(m)["model_id"])                 # seed 94's checkpoints are averaged by no figure
    assert "CORnet-S_full_seed94_epoch_06" not in std and "CORnet-S_full_seed42_epoch_06" in std
    note = authors_mt.sources["authors (private)"].converged_note
    assert "global_data.py" in note and "04d152a" in note and "model_versions" in note
    assert "last scored checkpoint: " in note and "CORnet-S_train_conv1_bi" in note
    assert "CORnet-S_train_conv3_bi_img100 (epoch 93)" in note and "CORnet-S_full_seed94" in note
    r = draw("fig1", authors_mt)
    assert "last scored checkpoint" in r.caption and "CORnet-S_train_batchnorm" in r.caption
    c = r.data["C"]
    std500k = c[(c["images"] == 500_000) & (c["region"] == "behavior")]["mean"].iloc[0]
    assert std500k == pytest.approx(m.set_index("model_id").loc["CORnet-S_full_img500000_epoch_21", "rel_behavior"])


def test_authors_heatmap_grids(authors_mt):
    """Fig. 4B: epochs 0, 1, 3, 6, 10, 20 and a convergence column; Fig. 8: supp_4's 8 epochs and convergence."""
    r4 = draw("fig4", authors_mt)
    g = r4.data["B|authors (private)"]
    assert list(g.columns) == [0.0, 1.0, 3.0, 6.0, 10.0, 20.0, float("inf")] and len(g.index) == 7
    assert g.loc[1000.0, 1.0] == pytest.approx(26.61, abs=0.01) and g.to_numpy().max() == g.loc[1000.0, 1.0]
    assert g.loc[float(A.FULL_IMAGENET), float("inf")] == pytest.approx(-16.67, abs=0.01)     # WC+CT 38 vs 43
    labels = [t.get_text() for t in panel(r4, "B").get_xticklabels()]
    assert labels[-1] == "conv." and "2" not in labels
    assert "delta_heatmap" in r4.caption and "10, 20 and 'conv.'" in r4.caption
    r8 = draw("fig8", authors_mt)
    assert list(r8.data["C|authors (private)"].columns) == [float(e) for e in A.FIG8_EPOCHS] + [float("inf")]
    assert r8.data["C|authors (private)"].loc[500_000.0, float("inf")] == pytest.approx(96.4, abs=0.1)   # epoch 21


def test_authors_fig5b_and_fig7_use_the_runs_the_authors_name(authors_mt):
    """Fig. 5B draws WC and WC+CT of seed 42 only (plot_figure_5), KN and KN+CT as model_versions (s0, s42);
    Fig. 7 (supp_5) averages the model_versions seeds at epoch 6, leaving out WC+CT's seed 94."""
    from wiringup.report.figures.fig5 import select_conditions
    from wiringup.report.figures.fig7 import method_rows

    sel = select_conditions(authors_mt, "authors (private)")
    ids = sel[sel["arch"] == "cornet_s"].groupby("condition")["model_id"].apply(sorted)
    assert ids["WC"] == ["CORnet-S_cluster2_v2_IT_bi_seed42_epoch_31"]
    assert ids["WC+CT"] == ["CORnet-S_cluster2_v2_IT_trconv3_bi_seed42_epoch_40"]
    assert ids["KN"] == ["CORnet-S_train_random_epoch_28", "CORnet-S_train_random_seed42_epoch_22"]
    birth, ct, point = method_rows(authors_mt, "authors (private)", "wc", method_inits={})
    assert sorted(ct["model_id"]) == ["CORnet-S_cluster2_v2_IT_trconv3_bi_epoch_06",
                                      "CORnet-S_cluster2_v2_IT_trconv3_bi_seed42_epoch_06"]
    assert sorted(birth["seed"]) == [0.0, 42.0] and point == "epoch 6, all images"
