"""The embedded default and the paper's plan differ only where the schema says they may (issue 13, item 6).

``config/config.yaml`` is the embedded default; ``config/paper.yaml`` is merged over it (Snakemake's
``--configfile``). After the schema's defaults are filled in, every key whose value differs between the two must be
annotated ``x-scale`` in ``workflow/schemas/config.schema.yaml`` (on the key or on a key above it; the annotation
covers the whole value): ``size`` (how much is computed), ``data`` (which data sets and benchmarks) or
``execution`` (where and how fast it runs). Any other difference fails here, naming the key: make the values equal
or, if the difference is one of scale, annotate the key in the schema.

Also here: the WC fit's k. The paper's plan uses the authors' k per layer (``wiringup.wc.fit.AUTHORS_K``), which
is checked against the authors' cluster files (the number of clusters in the file their sampler loads).
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml

from conftest import REPO, SCHEMA, validated_config

DEFAULT = REPO / "config" / "config.yaml"
PAPER = REPO / "config" / "paper.yaml"
CATEGORIES = ("size", "data", "execution")
MARK = "x-scale"


@pytest.fixture(scope="module")
def schema() -> dict:
    return yaml.safe_load(SCHEMA.read_text())


@pytest.fixture(scope="module")
def configs() -> tuple[dict, dict]:
    """(embedded default, paper) as the workflow sees them: merged and validated, schema defaults filled in."""
    return validated_config(DEFAULT), validated_config(DEFAULT, PAPER)


# --------------------------------------------------------------------------------------------------- helpers
def _resolve(schema: dict, node: dict) -> dict:
    """A schema node with its local ``$ref`` (JSON pointer into the schema) merged in."""
    while isinstance(node, dict) and "$ref" in node:
        target: Any = schema
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    return node


def schema_path(schema: dict, path: tuple[str, ...]) -> list[dict]:
    """The schema nodes along a config key path (properties, else additionalProperties); stops where the schema
    has no node for the next key."""
    node = _resolve(schema, schema)
    nodes = [node]
    for key in path:
        props = node.get("properties", {})
        if key in props:
            node = props[key]
        elif isinstance(node.get("additionalProperties"), dict):
            node = node["additionalProperties"]
        else:
            break
        node = _resolve(schema, node)
        nodes.append(node)
    return nodes


def scale_mark(schema: dict, path: tuple[str, ...]) -> str | None:
    """The ``x-scale`` category covering ``path`` (its own or the nearest key above it), else None."""
    for node in reversed(schema_path(schema, path)):
        if MARK in node:
            return node[MARK]
    return None


def differences(a: Any, b: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any, Any]]:
    """Key paths where two configs differ: mappings are walked key by key (a key absent on one side differs),
    anything else (lists included) is compared whole."""
    if isinstance(a, dict) and isinstance(b, dict):
        for key in list(a) + [k for k in b if k not in a]:
            if key not in a or key not in b:
                yield path + (key,), a.get(key, "<absent>"), b.get(key, "<absent>")
            else:
                yield from differences(a[key], b[key], path + (key,))
    elif a != b:
        yield path, a, b


def leaves(d: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    if isinstance(d, dict) and d:
        for k, v in d.items():
            yield from leaves(v, path + (k,))
    else:
        yield path


def has_path(d: Any, path: tuple[str, ...]) -> bool:
    for key in path:
        if not isinstance(d, dict) or key not in d:
            return False
        d = d[key]
    return True


def comment_marked_keys(text: str) -> list[tuple[str, ...]]:
    """Key paths of a block-style YAML file whose line carries a ``# scale`` comment (indentation gives the
    nesting; flow-style continuation lines never carry one in the config files)."""
    stack: list[tuple[int, str]] = []
    out = []
    for line in text.splitlines():
        if line.lstrip().startswith("#"):
            continue
        m = re.match(r"^(\s*)([A-Za-z0-9_.]+):(.*)$", line)
        if not m:
            continue
        indent = len(m[1])
        while stack and stack[-1][0] >= indent:
            stack.pop()
        stack.append((indent, m[2]))
        comment = m[3].split("#", 1)[1] if "#" in m[3] else ""
        if re.match(r"\s*scale\b", comment):
            out.append(tuple(k for _, k in stack))
    return out


def _key(path: tuple[str, ...]) -> str:
    return ".".join(path)


# ----------------------------------------------------------------------------------------------------- tests
def test_configs_differ_only_in_keys_marked_scale(schema, configs):
    default, paper = configs
    diffs = list(differences(default, paper))
    assert diffs, "config/paper.yaml changes nothing: the parity walk is broken"
    unmarked = [f"{_key(p)}: {a!r} (config.yaml) vs {b!r} (paper.yaml)" for p, a, b in diffs
                if scale_mark(schema, p) is None]
    assert not unmarked, (
        "keys differ between config/config.yaml and config/paper.yaml (after schema defaults) without an "
        f"`{MARK}` annotation in {SCHEMA.relative_to(REPO)}; make them equal, or annotate the key with "
        f"`{MARK}: size|data|execution` if the difference is one of scale:\n  " + "\n  ".join(unmarked))


def test_scale_annotations_name_a_category(schema):
    found = []

    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            if MARK in node:
                found.append((where, node[MARK]))
            for k, v in node.items():
                walk(v, f"{where}/{k}")
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, f"{where}/{i}")

    walk(schema, "#")
    assert len(found) >= 10
    bad = [f"{w}: {v!r}" for w, v in found if v not in CATEGORIES]
    assert not bad, f"{MARK} must be one of {CATEGORIES}: " + ", ".join(bad)


def test_scale_comments_in_the_default_config_are_schema_marks(schema):
    """config/config.yaml's `# scale:` comments point at keys the schema marks (never at others)."""
    marked = comment_marked_keys(DEFAULT.read_text())
    assert ("model", "width") in marked and ("experiments", "supervised_updates", "images") in marked
    wrong = [_key(p) for p in marked if scale_mark(schema, p) is None]
    assert not wrong, f"commented `# scale` in config/config.yaml but not `{MARK}` in the schema: {wrong}"


def test_paper_sets_every_scale_key_the_default_sets(schema):
    """The paper's plan never inherits a scaled-down value: each `x-scale` key config.yaml sets, paper.yaml sets
    too (with its own value, which may be equal)."""
    default = yaml.safe_load(DEFAULT.read_text())
    paper = yaml.safe_load(PAPER.read_text())
    missing = [_key(p) for p in leaves(default) if scale_mark(schema, p) is not None and not has_path(paper, p)]
    assert not missing, f"config/paper.yaml inherits these scale keys from config/config.yaml: {missing}"


def test_comment_parser():
    text = "a:\n  b: 1   # scale: x\n  c:\n    d: [1]  # scale\n  e: 2  # not scale\n# f: 1  # scale\ng: 3\n"
    assert comment_marked_keys(text) == [("a", "b"), ("a", "c", "d")]


def test_schema_walk(schema):
    assert scale_mark(schema, ("model", "width")) == "size"
    assert scale_mark(schema, ("experiments", "critical_training", "seeds")) == "size"   # through $ref
    assert scale_mark(schema, ("resources", "train", "gpu")) == "execution"               # additionalProperties
    assert scale_mark(schema, ("training", "lr")) is None
    assert scale_mark(schema, ("weight_compression", "fits", "run", "k_per_layer", "IT.conv2")) is None
    assert list(differences({"a": {"b": 1, "c": [1]}}, {"a": {"b": 1, "c": [2], "d": 0}})) == [
        (("a", "c"), [1], [2]), (("a", "d"), "<absent>", 0)]


# ------------------------------------------------------------------------------------------ the WC fit's k
def test_both_configs_use_the_authors_k(configs):
    from wiringup.plan.wc import CORNET_S_CONVS
    from wiringup.wc.fit import AUTHORS_K

    assert set(AUTHORS_K) == set(CORNET_S_CONVS[1:])   # every clustered conv (all but the Gabor first layer)
    for config in configs:
        assert config["weight_compression"]["fits"]["run"]["k_per_layer"] == AUTHORS_K
    paper_raw = yaml.safe_load(PAPER.read_text())       # set in paper.yaml itself, not inherited
    assert paper_raw["weight_compression"]["fits"]["run"]["k_per_layer"] == AUTHORS_K


def test_authors_k_matches_their_cluster_files(data_root):
    """AUTHORS_K is the number of clusters in each file the authors' sampler loads (``cluster_<layer>.pkl``;
    for IT.conv2 that file holds 4, while their ``n_components`` dict and the ``_comp8`` file say 9)."""
    from wiringup.plan.wc import AUTHORS_IT_CONV2_FILES
    from wiringup.wc.authors import read_authors_cluster_file
    from wiringup.wc.fit import AUTHORS_K, AUTHORS_K_FIRST_LAYER

    folder = data_root / "geiger2022" / "wc_distributions"
    files = {layer: folder / f"cluster_{layer}.pkl" for layer in {**AUTHORS_K, **AUTHORS_K_FIRST_LAYER}}
    assert files["IT.conv2"].name == AUTHORS_IT_CONV2_FILES["plain"]
    found = {layer: read_authors_cluster_file(path)["k"] for layer, path in files.items()}
    assert found == {**AUTHORS_K, **AUTHORS_K_FIRST_LAYER}
    assert found["IT.conv2"] == 4
    assert read_authors_cluster_file(folder / AUTHORS_IT_CONV2_FILES["comp8"])["k"] == 9
    # the importer reads the same file by default (weight_compression.authors.it_conv2)
    schema = yaml.safe_load(SCHEMA.read_text())
    authors = schema["properties"]["weight_compression"]["properties"]["authors"]["properties"]
    assert authors["it_conv2"]["default"] == "plain"


def test_the_elbow_rule_stays_an_option():
    """k_per_layer: {} (or a layer left out) gives the elbow rule: the schema's default is empty."""
    schema = yaml.safe_load(SCHEMA.read_text())
    fit = schema["properties"]["weight_compression"]["properties"]["fits"]["additionalProperties"]["properties"]
    assert fit["k_per_layer"]["default"] == {}
    cfg = validated_config(DEFAULT, {"weight_compression": {"fits": {"elbow": {
        "checkpoint": "standard/nall_seed0/epoch_02"}}}})
    assert cfg["weight_compression"]["fits"]["elbow"]["k_per_layer"] == {}


def test_laptop_config_differs_from_the_default_only_in_scale(schema, configs):
    """config/laptop.yaml (issue 13, item 8) scales the default through x-scale keys only; its one added variant
    (standard_short) is standard training under another name, with standard's recipe."""
    default, _ = configs
    laptop = validated_config(DEFAULT, REPO / "config" / "laptop.yaml")
    diffs = list(differences(default, laptop))
    assert diffs
    added = [p for p, a, _ in diffs if p[:1] == ("variants",)]
    assert added == [("variants", "standard_short")]
    assert laptop["variants"]["standard_short"] == default["variants"]["standard"]
    unmarked = [f"{_key(p)}: {a!r} vs {b!r}" for p, a, b in diffs
                if p[:1] != ("variants",) and scale_mark(schema, p) is None]
    assert not unmarked, "config/laptop.yaml changes keys not marked x-scale:\n" + "\n".join(unmarked)
