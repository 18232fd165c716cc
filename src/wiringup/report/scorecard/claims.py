"""The claims of the scorecard, as data: one :class:`~wiringup.report.scorecard.claim.Claim` record per
quantitative claim of Geiger et al. (2022) (abstract, sections, figure captions, appendices) and per target
question of the reproduction report (RP, Gandhi et al. 2022).

A record names where the paper says it, the statement and the number it states, how to compute the value from the
authors' raw scores (``authors``, a source of :mod:`~wiringup.report.scorecard.authors_values`) and from this run
(``run``, a source of :mod:`~wiringup.report.scorecard.run_values`; None: no analogue in this pipeline), and the
check of each (``check`` / ``run_check``, from :mod:`~wiringup.report.scorecard.verdicts`). :data:`CLAIMS` keeps
the scorecard's row order: the claims of the text here, then the values behind single figures
(:data:`~wiringup.report.scorecard.figure_claims.FIGURE_CLAIMS`).
"""
from __future__ import annotations

from wiringup.report.scorecard import authors_values as AV
from wiringup.report.scorecard import run_values as RV
from wiringup.report.scorecard.claim import PM, RUN_TOL, Claim
from wiringup.report.scorecard.context import CT_IDS, DT_IT_IDS, WC_DECODER_IDS
from wiringup.report.scorecard.figure_claims import FIGURE_CLAIMS
from wiringup.report.scorecard.verdicts import (Above, Below, BelowReachable, CloseAndBelow, Near, NotCheckable,
                                                NotComparable, VerdictInValue, WithinFactor, exact_permutation_min_p)
from wiringup.tables import authors as A

__all__ = ["CLAIMS", "Claim", "PM", "RUN_TOL"]

# the authors' runs of the claims (Claim.runs): the significance test's seeds at birth, converged CT
WC_BIRTH, KN_BIRTH = "CORnet-S_cluster2_v2_IT_trconv3_bi@birth", "CORnet-S_full@birth"
CT_RUNS = ("CORnet-S_train_conv3_bi",)

CLAIMS: list[Claim] = [
    Claim(id="abstract-2pct", where="Abstract",
          claim="2 % of supervised updates (epochs × images) give ~80 % of the brain match",
          paper="~80 %", paper_value=80.0, unit="% of fully trained", tolerance="±5 pp ('~')",
          authors=AV.Headline("two_percent_updates", detail="500,000 images × 2 epochs (1.82 % of 55.04 M updates): "),
          check=Near(80.0, tol=5.0), run=RV.RunAtFraction(0.02), run_check=Near(80.0, tol=RUN_TOL),
          note="Sec. 3 states 76 % for the same models: the abstract rounds 76 % up to '~80 %' (the reproduction "
               "report flags the same)."),
    Claim(id="sec3-full-mean", where="Sec. 3 / Fig. 1",
          claim="a fully trained CORnet-S (43 epochs × 1.28 M images) scores .42",
          paper=".42", paper_value=0.42, unit="brain predictivity", tolerance="±0.005 (two decimals)",
          authors=AV.Headline("fully_trained_mean", detail="mean of s0 epoch 43 and s42 epoch 29: "),
          check=Near(0.42, tol=0.005), run=RV.run_reference, run_check=NotComparable("other benchmarks"),
          run_tolerance=False, runs=("CORnet-S_full",),
          note="Seeds differ: s0 0.4249, s42 0.4181, s94 0.4192. The public benchmarks give 0.395 for s0 epoch 43; the "
               "reproduction report's 32-epoch model gave 0.409 on public benchmarks."),
    Claim(id="sec3-0.2pct", where="Sec. 3 / Fig. 1A", claim="100,000 supervised updates (0.2 %) already achieve 50 %",
          paper="50 %", paper_value=50.0, unit="% of fully trained",
          tolerance="±1 pp (whole percent; several models have ~0.2 % of updates)",
          authors=AV.Headline("point_two_percent_updates", detail="50,000 images × 2 epochs: "),
          check=Near(50.0, tol=1.0), run=RV.RunAtFraction(0.002), run_check=Near(50.0, tol=RUN_TOL),
          note="Other models with ~0.2 % of the updates: 10,000 × 10 epochs 48.3 %, 100,000 × 1 epoch 53.2 %, "
               "full data 0.1 epoch 51.4 %. The reproduction report found 39 %."),
    Claim(id="sec3-2pct", where="Sec. 3 / Fig. 1A",
          claim="1,000,000 supervised updates (~2 %) increase brain predictivity to 76 %",
          paper="76 %", paper_value=76.0, unit="% of fully trained", tolerance=PM,
          authors=AV.Headline("two_percent_updates", detail="500,000 images × 2 epochs: "),
          check=Near(76.0, tol=0.5), run=RV.RunAtFraction(0.02), run_check=Near(76.0, tol=RUN_TOL),
          note="100,000 × 10 epochs gives 77.3 %, 1 full epoch (2.3 %) 77.9 %. The reproduction report found 73 %."),
    Claim(id="sec3-20pct", where="Sec. 3 / Fig. 1A", claim="10,000,000 updates (Fig. 1A: '20 % updates') reach 97 %",
          paper="97 %", paper_value=97.0, unit="% of fully trained", tolerance=PM,
          authors=AV.Headline("twenty_percent_updates", detail="500,000 images × 20 epochs (18.2 %): "),
          check=Near(97.0, tol=0.5), run=RV.RunAtFraction(0.2), run_check=Near(97.0, tol=RUN_TOL),
          note="Only the image-subset model reaches 97 %; 10 epochs on all images (23 %) give 92.9 %. The reproduction "
               "report needed 50 % of the updates for 97 %."),
    Claim(id="sec3-log-slope", where="Sec. 3",
          claim="scores grow logarithmically, ~5 % per order of magnitude of supervised updates",
          paper="~5 pp per decade", paper_value=5.0, unit="pp per decade", tolerance="±2.5 pp ('~')",
          authors=AV.slope, check=Near(5.0, tol=2.5), run=RV.run_slope, run_check=Near(5.0, tol=RUN_TOL),
          note="Least-squares slope of relative brain predictivity on log10(supervised updates) over the standard "
               "grid (seed 0, all image counts, epochs > 0); between 1e5 and 1e7 updates the data rise ~20–25 pp per "
               "decade, so '5 %' does not describe Fig. 1A."),
    Claim(id="sec3-epoch1-regions", where="Sec. 3 / Fig. 1B",
          claim="after one epoch V1, V2 and V4 are all > 80 % of their final score",
          paper="> 80 %", paper_value=80.0, unit="min over V1, V2, V4, % of fully trained", tolerance="inequality",
          authors=AV.RegionsAtEpoch(1.0, ["V1", "V2", "V4"]), check=Above(80.0),
          run=RV.RunRegionsAtEpoch(1.0, ["V1", "V2", "V4"]), run_check=Above(80.0), runs=("CORnet-S_full@1",)),
    Claim(id="sec3-it-2epochs", where="Sec. 3 / Fig. 1B", claim="IT requires two epochs to reach a comparable level "
          "(> 80 %)", paper="> 80 %", paper_value=80.0, unit="IT at epoch 2, % of fully trained",
          tolerance="inequality (and IT ≤ 80 % after 1 epoch)",
          authors=AV.RegionsAtEpoch(2.0, ["IT"], also=(1.0, "IT")), check=Above(80.0),
          run=RV.RunRegionsAtEpoch(2.0, ["IT"]), run_check=Above(80.0), runs=("CORnet-S_full@2",)),
    Claim(id="sec3-behaviour-7", where="Sec. 3 / Fig. 1B", claim="behavioural scores are > 80 % after 7 epochs",
          paper="> 80 %", paper_value=80.0, unit="behaviour at epoch 7, % of fully trained", tolerance="inequality",
          authors=AV.RegionsAtEpoch(7.0, ["behavior"], also=(6.0, "behavior")), check=Above(80.0),
          run=RV.RunRegionsAtEpoch(7.0, ["behavior"]), run_check=Above(80.0), runs=("CORnet-S_full@7",)),
    Claim(id="sec3-50k-images", where="Sec. 3 / Fig. 1C",
          claim="50,000 images (trained to convergence) give > 80 % in V1, V2, V4, IT",
          paper="> 80 %", paper_value=80.0, unit="min over V1, V2, V4, IT, % of fully trained", tolerance="inequality",
          authors=AV.RegionsConverged(50_000, ["V1", "V2", "V4", "IT"]), check=Above(80.0),
          note="V2 is at 80.0 % (79.99): the claim holds only at the rounding edge. Converged = the epoch of the "
               "authors' convergence table (global_data.convergence_images)."),
    Claim(id="sec3-half-images-behaviour", where="Sec. 3 / Fig. 1C",
          claim="behaviour needs about half the standard images to surpass 80 % (converged)",
          paper="> 80 % at ~640,000 images", paper_value=80.0, unit="behaviour at 500,000 images, % of fully trained",
          tolerance="inequality (and ≤ 80 % at 100,000 images)",
          authors=AV.RegionsConverged(500_000, ["behavior"], also=(100_000, "behavior")), check=Above(80.0),
          note="Converged = the authors' convergence table: 500,000 images at epoch 21 (the run was scored up to "
               "epoch 30)."),
    Claim(id="fig1-pixels", where="Fig. 1 caption", claim="a pixels baseline achieves 7 % (0.03 absolute)",
          paper="7 %", paper_value=7.0, unit="% of fully trained", tolerance=PM,
          authors=AV.Headline("pixels_combined", detail="V1/V2 from pixels_epoch_06, the rest from pixels_epoch_00: "),
          check=Near(7.0, tol=0.5), run=RV.run_pixels, run_check=Near(7.0, tol=RUN_TOL),
          note="pixels_epoch_00 alone lacks V1/V2 and gives 4.9 % under the authors' rule (missing = 0); only the "
               "combination with pixels_epoch_06 gives ~7 % (0.029 absolute)."),
    Claim(id="sec4-wc-birth", where="Abstract / Sec. 4 / Fig. 2C",
          claim="WC at birth: 54 ± 1.5 % of the fully trained model (n = 10)",
          paper="54 ± 1.5 %", paper_value=54.0, unit="% of fully trained (mean ± sd)", tolerance=PM,
          authors=AV.BirthMean("wc_at_birth"), check=Near(54.0, tol=0.5),
          run=RV.RunBirth("wc", "ct"), run_check=Near(54.0, tol=RUN_TOL), runs=(WC_BIRTH,),
          note="The paper's ± is the population sd (ddof 0). The reproduction report could not reproduce WC: its "
               "WC was worse than KN at birth."),
    Claim(id="sec4-kn-birth", where="Sec. 4 / Fig. 2C", claim="KN at birth: 43 ± 1.7 % (n = 10)",
          paper="43 ± 1.7 %", paper_value=43.0, unit="% of fully trained (mean ± sd)", tolerance=PM,
          authors=AV.BirthMean("kn_at_birth"), check=Near(43.0, tol=0.5),
          run=RV.RunBirth("kn", "all"), run_check=Near(43.0, tol=RUN_TOL), runs=(KN_BIRTH,),
          note="The reproduction report's KN at birth: 43.8 % of its own 32-epoch model (public benchmarks)."),
    Claim(id="sec4-12pp", where="Sec. 4", claim="WC improves on KN at birth by 12 percentage points",
          paper="12 pp", paper_value=12.0, unit="pp", tolerance=PM,
          authors=AV.birth_gain, check=Near(12.0, tol=0.5), run=RV.run_birth_gain, run_check=Near(12.0, tol=RUN_TOL),
          runs=(WC_BIRTH, KN_BIRTH),
          note="The paper's own rounded means (54 − 43) give 11 pp; the data give 11.2 pp."),
    Claim(id="sec4-permutation", where="Sec. 4", claim="permutation test p < 1e-5 (n = 10 seeds each)",
          paper="p < 1e-5", paper_value=1e-5, unit="p",
          tolerance="inequality, if the test can reach it (exact two-sided permutation test, 10 + 10 seeds)",
          authors=AV.birth_test, check=BelowReachable(1e-5, exact_permutation_min_p(10, 10),
                                                      "the exact two-sided permutation test over 10 + 10 seeds"),
          run=RV.run_birth_test, run_check=Below(0.05), runs=(WC_BIRTH, KN_BIRTH),
          note="With 10 vs 10 seeds an exact two-sided permutation test cannot go below 2/184,756 = 1.1e-5, so no "
               "data could meet the paper's threshold; only the one-sided p (5.4e-6) or a t-test (Student p = "
               "1.7e-11) is below 1e-5 (the authors' own calc_significance draws 100,000 random relabelings, whose "
               "p cannot go below 1e-5 either). This run: tested at 0.05."),
    Claim(id="sec4-wc-regions", where="Sec. 4", claim="WC at birth reaches 75 % in V4, 39 % in IT, 6 % in behaviour",
          paper="75 / 39 / 6 %", paper_value=75.0, unit="V4 % of fully trained (IT, behaviour in the detail)",
          tolerance=PM, authors=AV.wc_regions, check=Near(75.0, tol=0.5), runs=(WC_BIRTH,),
          note="Mean of the 10 WC at-birth models; the database gives higher V4 and behaviour and lower IT than the "
               "text (seed 0 alone: V4 77.2, IT 34.7, behaviour 18.4 %)."),
    Claim(id="sec4-wc-imagenet", where="Sec. 4",
          claim="a decoder trained on WC's IT reaches 5 % of the trained ImageNet top-1",
          paper="5 %", paper_value=5.0, unit="% of fully trained top-1", tolerance="±1 pp (one significant digit)",
          authors=AV.ModelMean(WC_DECODER_IDS, "rel_imagenet"), check=Near(5.0, tol=1.0),
          run=RV.RunConverged("wc", "decoder", "rel_imagenet"), run_check=Near(5.0, tol=RUN_TOL),
          runs=("CORnet-S_cluster2_v2_IT_bi",)),
    Claim(id="sec5-ct", where="Sec. 5 / Fig. 3C", claim="CT keeps > 75 % with only 1.4 of 52.8 M parameters trained",
          paper="> 75 %", paper_value=75.0, unit="% of fully trained", tolerance="inequality",
          authors=AV.Headline("ct_relative", detail="converged s0 epoch 29, s42 epoch 31: "), check=Above(75.0),
          run=RV.RunConverged("kn", "ct", "rel_bp"), run_check=Above(75.0 - RUN_TOL), runs=CT_RUNS,
          note="1,376,256 / 52,860,096 conv weights = 2.60 % trained (conv weights only; BatchNorm and decoder not "
               "counted). The reproduction report found > 80 % on ImageNetMini."),
    Claim(id="abstract-5pct-synapses", where="Abstract / RP TQ3",
          claim="training only ~5 % of synapses keeps nearly 80 %",
          paper="~5 % of synapses", paper_value=5.0, unit="% of conv weights trained", tolerance="±1 pp ('~5 %')",
          authors=AV.ct_weight_fraction, check=Near(5.0, tol=1.0),
          run=RV.run_ct_weights, run_check=Near(5.0, tol=RUN_TOL),
          note="CT trains 2.6 %, not ~5 % (the reproduction report flags the same); with the decoder and BatchNorm "
               "counted it is 3.5 % of 53.4 M. '~80 %' rounds 76.0 % (WC+CT reaches 82 %)."),
    Claim(id="sec5-dt", where="Sec. 5 / Fig. 3C",
          claim="DT drops below 65 % with over a quarter of the parameters still trained",
          paper="< 65 %", paper_value=65.0, unit="% of fully trained",
          tolerance="inequality (and > 25 % of conv weights trained)",
          authors=AV.ModelMean(DT_IT_IDS, "rel_bp", detail="train_IT (IT + decoder): 40,239,104 conv weights = 76.1 % "
                               "trained; "), check=Below(65.0),
          run=RV.RunConverged("kn", "dt_it", "rel_bp"), run_check=Below(65.0 + RUN_TOL),
          runs=("CORnet-S_train_IT_seed_0",),
          note="64.8 %: just below 65 %."),
    Claim(id="sec5-ct-imagenet", where="Sec. 5 / Fig. 3D", claim="CT retains more than 40 % of the ImageNet score",
          paper="> 40 %", paper_value=40.0, unit="% of fully trained top-1", tolerance="inequality",
          authors=AV.ModelMean(CT_IDS, "rel_imagenet"), check=Above(40.0),
          run=RV.RunConverged("kn", "ct", "rel_imagenet"), run_check=Above(40.0 - RUN_TOL),
          runs=CT_RUNS),
    Claim(id="sec5-conv1-bn", where="Sec. 5 / Fig. 3C",
          claim="training conv1 instead retains most of CT's score; BatchNorm is worse",
          paper="conv1 ≈ CT > BatchNorm", paper_value=None, unit="pp (conv1 − CT)",
          tolerance="conv1 within 1 pp of CT and BatchNorm below CT",
          authors=AV.conv1_bn, check=CloseAndBelow(tol=1),
          note="Values: (conv1 − CT, BatchNorm − CT) in pp, converged s0 models."),
    Claim(id="sec5-time", where="Sec. 5", claim="CT reduces the time per epoch by 30 %",
          paper="30 %", paper_value=30.0, unit="%", tolerance="–",
          authors=AV.NotRecomputable("training times are in the authors' model_parameter table, which the importer "
                                     "does not read; not recomputable from the raw scores"),
          check=NotCheckable()),
    Claim(id="sec6-wc-ct-birth", where="Sec. 6 / App. C",
          claim="WC+CT already reaches 53 % at birth (Sec. 4 and App. C: 54 %)",
          paper="53 %", paper_value=53.0, unit="% of fully trained", tolerance=PM,
          authors=AV.BirthMean("wc_at_birth"), check=Near(53.0, tol=0.5), runs=(WC_BIRTH,),
          note="Same 10 models as the 54 % claim (53.8 %): the paper truncates in Sec. 6 and rounds elsewhere."),
    Claim(id="sec6-wc-ct-0.5pct", where="Sec. 6 / Fig. 4A",
          claim="at 0.5 % of the synaptic updates (14 vs 3,000 trillion) WC+CT reaches 79 %",
          paper="79 %", paper_value=79.0, unit="% of fully trained", tolerance=PM,
          authors=AV.wc_ct_half_percent, check=Near(79.0, tol=0.5),
          run=RV.run_wc_ct_best, run_check=Near(79.0, tol=RUN_TOL),
          note="The paper rounds 79.7 % down to 79 %; full data × 10 epochs (0.61 %) gives 78.4 %."),
    Claim(id="sec6-standard-50", where="Sec. 6 / Fig. 4A",
          claim="standard training needs 5.2 trillion synaptic updates to exceed 50 %",
          paper="5.2 trillion", paper_value=5.2, unit="trillion synaptic updates",
          tolerance="±0.1 trillion (two digits)",
          authors=AV.FirstAbove(50.0), check=Near(5.2, tol=0.1),
          note="5.29 trillion (e.g. 100,000 images × 1 epoch, 53.2 %): the paper truncates to 5.2."),
    Claim(id="sec6-standard-80", where="Sec. 6 / Fig. 4A",
          claim="standard training needs about 100 trillion updates to reach 80 %",
          paper="~100 trillion", paper_value=100.0, unit="trillion synaptic updates", tolerance="factor 1.5 ('about')",
          authors=AV.FirstAbove(80.0), check=WithinFactor(100.0, factor=1.5)),
    Claim(id="sec6-fig4b-max", where="Sec. 6 / Fig. 4B / RP TQ4",
          claim="WC+CT improves by up to 27 pp (1 epoch on 1,000 images)",
          paper="27 pp", paper_value=27.0, unit="pp of the s0 epoch-43 model", tolerance=PM,
          authors=AV.fig4b_max, check=Near(27.0, tol=0.5), run=RV.run_fig4b_max, run_check=Near(27.0, tol=RUN_TOL),
          note="On the authors' grid (analysis/paper_plots.py::plot_figure_4 → time_analysis.py::delta_heatmap: "
               "epochs 0, 1, 3, 6, 10, 20 and each run's converged epoch) the largest cell is the paper's, 1,000 "
               "images × 1 epoch (26.61 pp); 100 images × 2 epochs (26.66 pp) is not a cell of their heatmap. The "
               "reproduction report asked whether 26 % is the best increase and found +8.4 pp (its "
               "'10 %') with its own WC at 100 images × 2 epochs."),
    Claim(id="sec6-fig4b-full", where="Sec. 6 / Fig. 4B",
          claim="with all 43 epochs and 1.28 M images WC+CT scores 17 pp lower",
          paper="−17 pp", paper_value=-17.0, unit="pp of the s0 epoch-43 model", tolerance=PM,
          authors=AV.fig4b_all_data, check=Near(-17.0, tol=0.5),
          note="Converged s0 runs (convergence table): WC+CT epoch 38, standard epoch 43."),
    Claim(id="sec7-resnet", where="Sec. 7 / Fig. 5A",
          claim="WC+CT keep 91 % of ResNet-50's score with ~80 % fewer trained parameters",
          paper="91 %", paper_value=91.0, unit="% of the standard ResNet-50", tolerance=PM,
          authors=AV.Ratio("resnet_v3_CORnet-S_cluster2_v2_IT_trconv3_bi_epoch_22", "resnet_v1_CORnet-S_full_epoch_32",
                           detail="5,029,888 trained conv weights: 80.3 % fewer than the standard model's 25,557,032 "
                                  "parameters (78.6 % fewer than its 23,454,912 conv weights)"),
          check=Near(91.0, tol=0.5), run=RV.RunTransfer("resnet50"), run_check=Near(91.0, tol=RUN_TOL)),
    Claim(id="sec7-mobilenet", where="Sec. 7 / App. D.1 / Fig. 5A",
          claim="on MobileNet the score drops by 22 % (78 % kept) with 43 % fewer trained parameters",
          paper="78 %", paper_value=78.0, unit="% of the standard MobileNet", tolerance=PM,
          authors=AV.Ratio("mobilenet_v6_CORnet-S_cluster2_v2_IT_trconv3_bi_epoch_34", "mobilenet_v1_1.0_224_epoch_100",
                           detail="2,399,552 trained conv weights: 43.3 % fewer than the standard model's 4,231,976 "
                                  "parameters (24.7 % fewer than its 3,185,088 conv weights)"),
          check=Near(78.0, tol=0.5), run=RV.RunTransfer("mobilenet_v1"), run_check=Near(78.0, tol=RUN_TOL),
          note="The score ratio agrees (78.5 %). The paper's '43 % fewer' (like ResNet-50's '~80 %') counts the trained "
               "conv weights against every parameter of the standard model (4,231,976): 43.3 %. Like for like, the "
               "authors' code trains 75.3 % of MobileNet's conv weights (AUTHORS_CODE_FACTS.md §3.9), 24.7 % fewer "
               "(python -m wiringup.wc.transfer prints both counts)."),
    Claim(id="sec7-fig5b", where="Sec. 7 / Fig. 5B", claim="WC helps most in V1 and V2; CT helps most in V4, IT and "
          "behaviour", paper="WC: V1, V2; CT: V4, IT, behaviour", paper_value=None, unit="regions",
          tolerance="the named regions have the largest gains", authors=AV.fig5b, check=VerdictInValue(),
          runs=tuple(A.FIG5B_MODELS.values()),
          note="WC − KN and KN+CT − KN per region (absolute scores, as the bars of Fig. 5B), the converged runs "
               "plot_figure_5 names: KN (train_random) and KN+CT (train_conv3_bi) the mean of s0 and s42, WC and "
               "WC+CT seed 42 only. With those bars WC's gain over KN is largest in V2 and IT (V1 third); relative to "
               "the fully trained score of each region V2 and V1 lead."),
    Claim(id="app-b3-mixture", where="App. B.3 / Fig. 7",
          claim="Mixture Gaussian differs from WC by ~3 pp on average (epoch 6)",
          paper="~3 pp", paper_value=3.0, unit="pp (mean absolute difference, without and with CT)",
          tolerance="±1.5 pp ('~')",
          authors=AV.Fig7PairDifference(untrained=("cluster2_v2_IT_bi", "brain_wmc15_IT_bi"),
                                        ct=("cluster2_v2_IT_trconv3_bi", "brain_t7_t12_wmc15_IT_bi")),
          check=Near(3.0, tol=1.5), runs=("CORnet-S_cluster2_v2_IT_bi@6", "CORnet-S_cluster2_v2_IT_trconv3_bi@6"),
          note="supp_5 averages the model_versions seeds at epoch 6 (WC: s42, s0; WC+CT: s0, s42); the mixture "
               "configs have seed 0 only."),
    Claim(id="app-b3-gabor", where="App. B.3 / Fig. 7",
          claim="without the Gabor prior scores drop by 13 pp untrained and 9 pp after CT",
          paper="13 pp", paper_value=13.0, unit="pp (untrained; after CT in the detail)", tolerance=PM,
          authors=AV.fig7_drop, check=Near(13.0, tol=0.5),
          note="Kernel normal minus No Gabor prior at epoch 6 (decoder-only and CT configs, Fig. 7 ids; seed 0 "
               "only in the database). The 9 pp after CT: row app-b3-gabor-ct."),
    Claim(id="fig9-100k", where="Fig. 9B", claim="WC+CT: > 80 % in V1, V2 and V4 with only 100,000 images",
          paper="> 80 %", paper_value=80.0, unit="min over V1, V2, V4, % of fully trained", tolerance="inequality",
          authors=AV.RegionsMin(A.converged_id("CORnet-S_cluster2_v2_IT_trconv3_bi_img100000"), ["V1", "V2", "V4"],
                                state="converged, global_data.convergence_images"),
          check=Above(80.0)),
    Claim(id="params-52.8M", where="Sec. 5", claim="CORnet-S has 52.8 M parameters",
          paper="52.8 M", paper_value=52.8, unit="million", tolerance="±0.05 M",
          authors=AV.Constant(A.CONV_WEIGHTS_FULL / 1e6, detail="conv weights only (BatchNorm 43,520 and decoder "
                              "513,000 excluded; all parameters: 53,416,616)"),
          check=Near(52.8, tol=0.05),
          note="'52.8 M' counts conv weights only; the reproduction report counted 53,416,616 (all parameters)."),
    Claim(id="rp-tq1", where="RP target question 1", claim="can 2 % of the updates achieve ~80 % of the BPS?",
          paper="~80 % (paper body: 76 %)", paper_value=76.0, unit="% of fully trained", tolerance=PM,
          authors=AV.Headline("two_percent_updates", detail="500,000 images × 2 epochs: "),
          check=Near(76.0, tol=0.5), run=RV.RunAtFraction(0.02), run_check=Near(76.0, tol=RUN_TOL),
          note="Reproduction report: 73 % (both 409,600 × 2 and 204,800 × 4 epochs), relative to its 32-epoch "
               "model."),
    Claim(id="rp-tq2", where="RP target question 2", claim="can WC reach 54 % with no training?",
          paper="54 %", paper_value=54.0, unit="% of fully trained", tolerance=PM,
          authors=AV.BirthMean("wc_at_birth"), check=Near(54.0, tol=0.5),
          run=RV.RunBirth("wc", "ct"), run_check=Near(54.0, tol=RUN_TOL), runs=(WC_BIRTH,),
          note="Reproduction report: not reproduced (its WC was below KN at birth; its sampler differs, §8)."),
    Claim(id="rp-tq3", where="RP target question 3", claim="does CT with ~5 % of synapses reach nearly 80 %?",
          paper="nearly 80 %", paper_value=80.0, unit="% of fully trained", tolerance="±5 pp ('nearly')",
          authors=AV.Headline("ct_relative", detail="KN+CT converged: "), check=Near(80.0, tol=5.0),
          run=RV.RunConverged("kn", "ct", "rel_bp"), run_check=Near(80.0, tol=RUN_TOL), runs=CT_RUNS,
          note="76.0 % with 2.6 % of the conv weights. Reproduction report: > 80 % on ImageNetMini (10 epochs)."),
    Claim(id="rp-tq4", where="RP target question 4",
          claim="is 26 % the best increase of WC+CT over standard training (Fig. 4B)?",
          paper="26 pp", paper_value=26.0, unit="pp", tolerance="±1 pp",
          authors=AV.fig4b_max, check=Near(26.0, tol=1.0), run=RV.run_fig4b_max, run_check=Near(26.0, tol=RUN_TOL),
          note="Reproduction report: +8.4 pp at 100 images × 2 epochs with its own WC."),
] + FIGURE_CLAIMS
