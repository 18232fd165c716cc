"""Check that profiles/slurm routes every GPU rule of a config: each training rule (`train`, `train_*`) and each
scoring rule (`score`, `score_*`) that `snakemake --list-rules` defines for the given config files must be in the
profile's FAMILIES list (its set-resources), or the rule's jobs would go to the CPU partition.

    .venv/bin/python profiles/slurm/check_rules.py config/paper.yaml my_cluster.yaml

Exit status 0 when every rule is routed, 1 (naming the rules and the list to add them to) when not. tests/test_profiles.py
runs it for every config shipped with the repository.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

PROFILE = Path(__file__).resolve().parent / "config.yaml"
REPO = PROFILE.parents[2]
FAMILY_PREFIXES = {"train": "train", "score": "score"}


def family(rule: str) -> str | None:
    """The GPU family of a rule name (`train`, `train_<x>` -> train; `score`, `score_<x>` -> score), else None."""
    for fam, prefix in FAMILY_PREFIXES.items():
        if rule == prefix or rule.startswith(prefix + "_"):
            return fam
    return None


def rendered_profile(profile: Path = PROFILE) -> dict:
    """The profile as Snakemake reads it (YTE rendered, mappings turned into CLI-style RULE:KEY=VALUE lists)."""
    from snakemake.profiles import ProfileConfigFileParser

    with open(profile) as f:
        return ProfileConfigFileParser().parse(f)


def routed_rules(profile: Path = PROFILE) -> set[str]:
    """Rules that have an entry in the profile's set-resources."""
    return {item.split(":", 1)[0] for item in rendered_profile(profile).get("set-resources", [])}


def workflow_rules(configfiles: list[str], snakefile: Path = REPO / "Snakefile", workdir: Path = REPO) -> list[str]:
    """`snakemake --list-rules` for the config files (no profile, so no cluster is contacted)."""
    snakemake = str(Path(sys.executable).with_name("snakemake"))
    cmd = [snakemake, "-s", str(snakefile), "-d", str(workdir), "--list-rules", "--profile", "none"]
    if configfiles:
        cmd += ["--configfile", *[str(Path(c).resolve()) for c in configfiles]]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
    return [line.split()[0] for line in proc.stdout.splitlines() if line.strip()]


def missing_rules(rules: list[str], profile: Path = PROFILE) -> dict[str, list[str]]:
    """GPU-family rules of `rules` without a set-resources entry in the profile, per family."""
    routed = routed_rules(profile)
    out: dict[str, list[str]] = {}
    for rule in rules:
        fam = family(rule)
        if fam and rule not in routed:
            out.setdefault(fam, []).append(rule)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("configfiles", nargs="*", help="config files merged over config/config.yaml, as --configfile")
    ap.add_argument("--snakefile", type=Path, default=REPO / "Snakefile")
    ap.add_argument("--directory", "-d", type=Path, default=REPO, help="Snakemake's working directory")
    ap.add_argument("--profile", type=Path, default=PROFILE)
    args = ap.parse_args(argv)
    rules = workflow_rules(args.configfiles, args.snakefile, args.directory)
    missing = missing_rules(rules, args.profile)
    gpu = [r for r in rules if family(r)]
    if missing:
        for fam, names in missing.items():
            print(f"{args.profile}: add {', '.join(names)} to FAMILIES[{fam!r}]", file=sys.stderr)
        return 1
    print(f"{args.profile}: all {len(gpu)} training and scoring rules routed ({', '.join(gpu)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
