import numpy as np
import pandas as pd
import pytest
from scipy import stats

from wiringup.core.io import WiringupError
from wiringup.tables.statistics import compare, compare_table


def test_compare_detects_a_real_difference_and_not_a_null_one():
    rng = np.random.default_rng(0)
    a, b = 0.5 + 0.01 * rng.standard_normal(10), 0.4 + 0.01 * rng.standard_normal(10)
    r = compare(a, b, label_a="wc", label_b="kn")
    assert r["permutation_exact"] and r["permutation_resamples"] == 184_756
    # exact two-sided permutation p of a complete separation: 2 of 184,756 relabelings are as extreme
    assert r["permutation_p"] == pytest.approx(2 / 184_756)
    assert r["welch_p"] == pytest.approx(stats.ttest_ind(a, b, equal_var=False).pvalue)
    assert r["difference"] == pytest.approx(a.mean() - b.mean()) and r["hedges_g"] > 5
    assert r["sem_a"] == pytest.approx(a.std(ddof=1) / np.sqrt(10))
    null = compare(rng.standard_normal(10), rng.standard_normal(10))
    assert null["permutation_p"] > 0.05 and null["welch_p"] > 0.05


def test_compare_refuses_nan_and_single_seeds():
    with pytest.raises(WiringupError, match="NaN"):
        compare([0.1, np.nan, 0.2], [0.1, 0.2])
    with pytest.raises(WiringupError, match="at least 2"):
        compare([0.1], [0.1, 0.2], label_a="wc")


def test_compare_table_per_region_and_mean():
    rows = []
    for init, base in (("wc", 0.5), ("kn", 0.3)):
        for seed in range(4):
            for region in ("V4", "IT", "imagenet"):
                rows.append({"model_id": f"{init}/{seed}", "init": init, "seed": seed, "region": region,
                             "score": base + 0.01 * seed + (0.1 if region == "IT" else 0)})
    table = pd.DataFrame(rows)
    out = compare_table(table, {"init": "wc"}, {"init": "kn"}, comparison="wc_vs_kn", label_a="wc", label_b="kn")
    assert [r["region"] for r in out] == ["IT", "V4", "mean"]
    assert all(r["difference"] == pytest.approx(0.2) for r in out)
    with pytest.raises(WiringupError, match="no score rows"):
        compare_table(table, {"init": "xx"}, {"init": "kn"}, comparison="c")
    with pytest.raises(WiringupError, match="lacks scores"):
        compare_table(table[~((table.init == "kn") & (table.seed == 1) & (table.region == "V4"))],
                      {"init": "wc"}, {"init": "kn"}, comparison="c")
