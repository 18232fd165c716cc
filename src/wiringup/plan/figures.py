"""The figures of the DAG as data, torch-free: the figure sources (one vocabulary), the files `snakemake figures`
builds, what the figure functions need from the config.

**Figure sources** (config ``figures.sources``). Each table figure (Fig. 1, 3, 4, 6, 8, 9) and Fig. 5 is drawn
once per configured source; :data:`SOURCES` is the one table from a source's name to everything about it::

    name            folder (wildcard `view`)   tables read                               databases  labels
    run             results/figures/           results/tables/scores.csv                 -          this run
    authors         results/figures/authors/   results/tables/authors_private.csv        private    authors (private)
    authors_public  .../authors_public/        results/tables/authors_public.csv         public     authors (public)
    overlay         .../overlay/               scores.csv and authors_private.csv        private    both

A database is a key of ``authors.databases`` (rule authors_import makes results/tables/authors_<db>.csv); the
labels are the values of the tables' ``source`` column (:data:`RUN_LABEL`, :func:`database_label`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from wiringup.core.io import WiringupError

#: The ``source`` column of this run's score table.
RUN_LABEL = "this run"
RUN_TABLE = "results/tables/scores.csv"
#: The authors' database the scorecard compares with (and the figures of sources authors and overlay draw).
PRIVATE, PUBLIC = "private", "public"
#: The figures drawn from the score tables alone, one rule each (workflow/rules/figures.smk).
TABLE_FIGURES = ("fig1", "fig3", "fig4", "fig6", "fig8", "fig9")


def database_label(db: str) -> str:
    """The ``source`` column of the authors' tidy table made from database ``db``."""
    return f"authors ({db})"


def database_table(db: str) -> str:
    """The tidy table rule authors_import makes from database ``db``."""
    return f"results/tables/authors_{db}.csv"


@dataclass(frozen=True)
class Source:
    """One figure source: its name (``figures.sources``), its output folder under results/figures/ (the ``view``
    wildcard; "" for this run), whether it draws this run's table, and the authors' databases it draws."""

    name: str
    folder: str
    run: bool
    databases: tuple[str, ...] = ()

    @property
    def tables(self) -> list[str]:
        return ([RUN_TABLE] if self.run else []) + [database_table(db) for db in self.databases]

    @property
    def labels(self) -> list[str]:
        """The ``source`` column values of the rows this source draws."""
        return ([RUN_LABEL] if self.run else []) + [database_label(db) for db in self.databases]


SOURCES = {s.name: s for s in (Source("run", "", run=True),
                               Source("authors", "authors/", run=False, databases=(PRIVATE,)),
                               Source("authors_public", "authors_public/", run=False, databases=(PUBLIC,)),
                               Source("overlay", "overlay/", run=True, databases=(PRIVATE,)))}
#: folder (the `view` wildcard) -> source
BY_FOLDER = {s.folder: s for s in SOURCES.values()}
#: Wildcard constraint of `view`: "" or one of the source folders.
VIEW_PATTERN = "(" + "|".join(s.folder for s in SOURCES.values() if s.folder) + ")?"


def check_sources(sources: list[str], databases: Mapping[str, Any]) -> None:
    """Every configured source's databases must be configured (``authors.databases``)."""
    for name in sources:
        for db in SOURCES[name].databases:
            if db not in databases:
                raise WiringupError(f"config key figures.sources: {name!r} draws the authors' {db} score database, "
                                    f"but authors.databases has no {db!r} entry (it has {sorted(databases)})")


@dataclass(frozen=True)
class FigurePlan:
    view_pattern = VIEW_PATTERN           # wildcard constraint of `view` (a source's folder)
    scorecard_table = database_table(PRIVATE)   # the authors' table the scorecard compares with

    formats: list[str]
    sources: list[Source]                 # the configured ones, in config order
    style: dict[str, Any]                 # what every figure's style depends on (dpi)
    params: dict[str, Any]                # params of the table figures (nothing else, so unrelated edits never redraw)

    @staticmethod
    def by_folder(folder: str) -> Source:
        """The source drawn into results/figures/<folder> (the `view` wildcard)."""
        return BY_FOLDER[folder]

    def files(self, figure: str) -> list[str]:
        """The files of one figure drawn per source (``results/figures/<folder><figure>.<ext>``)."""
        return [f"results/figures/{s.folder}{figure}.{ext}" for s in self.sources for ext in self.formats]

    def table_figure_files(self) -> list[str]:
        return [f"results/figures/{s.folder}{fig}.{ext}" for s in self.sources for fig in TABLE_FIGURES
                for ext in self.formats]


def plan(config: Mapping[str, Any]) -> FigurePlan:
    f, training = config["figures"], config["training"]
    check_sources(f["sources"], config["authors"]["databases"])
    sup = config["experiments"]["supervised_updates"]
    style = {"dpi": f["dpi"]}
    return FigurePlan(
        formats=list(f["formats"]), sources=[SOURCES[s] for s in f["sources"]], style=style,
        params=dict(style=style, missing=config["authors"]["missing"],
                    run_recipe={k: training[k] for k in ("optimizer", "lr", "weight_decay")},
                    experiment={k: sup[k] for k in ("variant", "seeds")},
                    regions=config["scoring"]["predictivity_regions"]))
