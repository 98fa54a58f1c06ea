"""SynthLens's privacy attacks side by side with anonymeter 1.1 on the same inputs.

anonymeter pins numpy < 1.27, so it runs in a virtual environment of its own (never the app's)::

    python3 -m venv /work/anonvenv && /work/anonvenv/bin/pip install anonymeter==1.1.0
    .venv/bin/python -m bench.bench_anonymeter [--venv /work/anonvenv] [--attacks 500]

For each table scikit-learn ships, the real rows are shuffled and cut into three parts: training,
control, and an independent real sample used as the honest "synthetic" data; the leak case
replaces 20% of that synthetic data with training rows. Both tools get the same three CSV files;
every column is numerical for both (the tables are numeric). Prints each attack's risk with its
95% interval from each tool and whether the intervals overlap. A benchmark, not a test.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn import datasets

from metrics import attacks
from metrics.encode import encode
from metrics.schema import ColumnSpec, Kind, Schema

# Tables and the (positive-valued) secret each inference attack targets: anonymeter's relative
# tolerance divides by the signed guess, which would count every negative guess as a hit.
TABLES = {
    "breast_cancer": ("load_breast_cancer", "mean radius"),
    "diabetes": ("load_diabetes", "target"),
    "wine": ("load_wine", "alcohol"),
    "digits (first 24 pixels)": ("load_digits", "pixel_0_2"),
}
LEAK_SHARE = 0.2

ANONYMETER_SCRIPT = r"""
import json, sys, warnings
import numpy as np, pandas as pd
warnings.filterwarnings("ignore")
from anonymeter.evaluators import SinglingOutEvaluator, LinkabilityEvaluator, InferenceEvaluator
d, n_attacks, secret, seed = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
np.random.seed(seed)  # linkability and inference sample targets with numpy's global generator
train, control, syn = (pd.read_csv(f"{d}/{n}.csv") for n in ("train", "control", "synthetic"))
cols = list(train.columns)
half = len(cols) // 2
def out(r):
    res = r.results()
    return {"risk": r.risk().value, "ci": list(r.risk().ci),
            "train": res.attack_rate.value, "control": res.control_rate.value,
            "baseline": res.baseline_rate.value}
so = SinglingOutEvaluator(train, syn, n_attacks=n_attacks, n_cols=3, control=control, seed=seed)
link = LinkabilityEvaluator(train, syn, aux_cols=(cols[:half], cols[half:]), n_attacks=n_attacks,
                            control=control, n_neighbors=1)
inf = InferenceEvaluator(train, syn, aux_cols=[c for c in cols if c != secret], secret=secret,
                         regression=True, n_attacks=n_attacks, control=control)
print(json.dumps({"singling_out": out(so.evaluate(mode="multivariate")),
                  "linkability": out(link.evaluate(n_jobs=2)),
                  "inference": out(inf.evaluate(n_jobs=2))}))
"""


def load(name: str) -> pd.DataFrame:
    frame = getattr(datasets, name)(as_frame=True).frame
    if name == "load_digits":
        frame = frame.iloc[:, :24]
    return frame.astype(float)


def split(frame: pd.DataFrame, seed: int, leak: bool) -> dict[str, pd.DataFrame]:
    """Training, control and synthetic thirds; with ``leak``, 20% of synthetic rows are copies."""
    order = np.random.default_rng(seed).permutation(len(frame))
    n = len(frame) // 3
    parts = [frame.iloc[order[i * n : (i + 1) * n]].reset_index(drop=True) for i in range(3)]
    train, control, synthetic = parts
    if leak:
        k = int(LEAK_SHARE * n)
        synthetic = synthetic.copy()
        synthetic.iloc[:k] = train.iloc[:k].to_numpy()
    return {"train": train, "control": control, "synthetic": synthetic}


def run_anonymeter(venv: Path, data: dict[str, pd.DataFrame], n: int, secret: str, seed: int):
    with tempfile.TemporaryDirectory() as tmp:
        for role, frame in data.items():
            frame.to_csv(Path(tmp) / f"{role}.csv", index=False)
        args = [
            str(venv / "bin" / "python"),
            "-c",
            ANONYMETER_SCRIPT,
            tmp,
            str(n),
            secret,
            str(seed),
        ]
        done = subprocess.run(args, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_synthlens(data: dict[str, pd.DataFrame], n: int, secret: str, seed: int):
    schema = Schema([ColumnSpec(c, Kind.NUMERICAL) for c in data["train"].columns])
    enc = encode(data["train"], data["synthetic"], schema, data["control"])
    return {
        "singling_out": attacks.singling_out(enc, n, seed, n_cols=3),
        "linkability": attacks.linkability(enc, n, seed),
        "inference": attacks.inference(enc, [secret], n, seed),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--venv", type=Path, default=Path("/work/anonvenv"))
    parser.add_argument("--attacks", type=int, default=500)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    print(
        "| table | case | attack | anonymeter risk (95% CI) | SynthLens risk (95% CI) | overlap |"
    )
    print("|---|---|---|---|---|---|")
    misses = 0
    for label, (loader, secret) in TABLES.items():
        frame = load(loader)
        for leak in (False, True):
            data = split(frame, args.seed, leak)
            n = min(args.attacks, len(data["train"]))
            t0 = time.perf_counter()
            ref = run_anonymeter(args.venv, data, n, secret, args.seed)
            t1 = time.perf_counter()
            ours = run_synthlens(data, n, secret, args.seed)
            t2 = time.perf_counter()
            case = f"{LEAK_SHARE:.0%} copied" if leak else "honest"
            for attack, r in ours.items():
                a = ref[attack]
                lo, hi = a["ci"]
                overlap = r.interval[0] <= hi and lo <= r.interval[1]
                misses += not overlap
                print(
                    f"| {label} (n={len(data['train'])}, {n} attacks) | {case} | {attack} "
                    f"| {a['risk']:.3f} ({lo:.3f}-{hi:.3f}) "
                    f"| {r.risk:.3f} ({r.interval[0]:.3f}-{r.interval[1]:.3f}) "
                    f"| {'yes' if overlap else 'NO'} |"
                )
            print(f"<!-- {label} {case}: anonymeter {t1 - t0:.1f}s, SynthLens {t2 - t1:.2f}s -->")
    print(f"\n{misses} interval(s) do not overlap")
    return 0


if __name__ == "__main__":
    sys.exit(main())
