"""benchmark_seconds.csv: the `seconds` field of every score JSON of experiment (b)'s arm (ii) run."""
import csv, json, sys
from pathlib import Path
root, out = Path(sys.argv[1]), Path(sys.argv[2])
rows = []
for f in sorted(root.glob("results/scores/*/init/*_bn_reestimate/seed*.json")):
    d = json.loads(f.read_text())
    rows.append({"benchmark": f.parts[-4], "model": f"{f.parts[-2]}/{f.stem}", "seconds": d["seconds"]})
with out.open("w", newline="") as fh:
    w = csv.DictWriter(fh, ["benchmark", "model", "seconds"]); w.writeheader(); w.writerows(rows)
print(len(rows), "rows")
