"""Makes Tests/Fixtures/monitoring_reference.json: fairlearn's and scipy's figures for the fairness and
drift checks, so the Swift tests can compare Labbook's to them.

Run from the repository root with fairlearn and scipy installed:
    .venv/bin/python Tests/Fixtures/make_monitoring_reference.py

Samples are not stored: both sides generate them from the same integer hash, splitmix64's finaliser
of (s << 32 | i), keeping the top 53 bits as u(i, s) in [0, 1): exact integer and float64 arithmetic,
so Swift reproduces every value bit for bit.
"""
import json
import warnings

import fairlearn
import numpy as np
import scipy
from fairlearn.metrics import (
    MetricFrame,
    demographic_parity_difference,
    demographic_parity_ratio,
    equal_opportunity_difference,
    equalized_odds_difference,
    equalized_odds_ratio,
    false_positive_rate,
    selection_rate,
    true_positive_rate,
)
from scipy.stats import chi2_contingency, ks_2samp
from sklearn.metrics import accuracy_score, precision_score

warnings.simplefilter("ignore")


MASK = 2**64 - 1


def u(i, s):
    z = ((s << 32 | i) + 0x9E3779B97F4A7C15) & MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    z ^= z >> 31
    return (z >> 11) / 2**53


def sample(spec):
    """spec: n, seed, scale, shift, levels (0 = continuous, else floor(u * levels))."""
    values = [u(i, spec["seed"]) for i in range(spec["n"])]
    if spec.get("levels"):
        values = [float(int(v * spec["levels"])) for v in values]
    return np.array([v * spec.get("scale", 1.0) + spec.get("shift", 0.0) for v in values])


def psi(reference, current):
    edges = np.unique(np.quantile(reference, np.arange(1, 10) / 10))
    r = np.bincount(np.searchsorted(edges, reference, side="left"), minlength=len(edges) + 1) / len(reference)
    c = np.bincount(np.searchsorted(edges, current, side="left"), minlength=len(edges) + 1) / len(current)
    r = np.where(r == 0, 0.0001, r)
    c = np.where(c == 0, 0.0001, c)
    return float(np.sum((c - r) * np.log(c / r)))


# Fairness: 600 rows, binary truth and predictions biased by sex, three age bands.
n = 600
sex = np.array(["female" if u(i, 3) < 0.35 else "male" for i in range(n)])
band = np.array(["young" if u(i, 4) < 0.3 else "middle" if u(i, 4) < 0.75 else "old" for i in range(n)])
truth = np.array([1 if u(i, 1) < 0.45 else 0 for i in range(n)])
bias = np.where(sex == "female", -0.15, 0.0)
predicted = np.array([1 if u(i, 2) < 0.25 + 0.45 * truth[i] + bias[i] else 0 for i in range(n)])

metrics = {
    "selection_rate": selection_rate,
    "tpr": true_positive_rate,
    "fpr": false_positive_rate,
    "precision": precision_score,
    "accuracy": accuracy_score,
    "count": lambda y, p: len(y),
}
fairness_cases = []
for name, features in [("sex", {"sex": sex}), ("sex_band", {"sex": sex, "band": band})]:
    frame = MetricFrame(metrics=metrics, y_true=truth, y_pred=predicted, sensitive_features=features)
    groups = []
    for key, row in frame.by_group.iterrows():
        label = ", ".join(key) if isinstance(key, tuple) else key
        groups.append({"group": label, **{k: float(row[k]) for k in metrics}})
    sensitive = list(features.values())
    sensitive = sensitive[0] if len(sensitive) == 1 else np.array([", ".join(t) for t in zip(*sensitive)])
    fairness_cases.append({
        "protected": list(features),
        "groups": groups,
        "demographic_parity_difference": demographic_parity_difference(truth, predicted, sensitive_features=sensitive),
        "demographic_parity_ratio": demographic_parity_ratio(truth, predicted, sensitive_features=sensitive),
        "equalized_odds_difference": equalized_odds_difference(truth, predicted, sensitive_features=sensitive),
        "equalized_odds_ratio": equalized_odds_ratio(truth, predicted, sensitive_features=sensitive),
        "equal_opportunity_difference": equal_opportunity_difference(truth, predicted, sensitive_features=sensitive),
    })

# Drift: KS on exact (both sizes <= 10,000) and asymptotic paths, ties, and each branch of the
# Kolmogorov distribution that the asymptotic path reaches; PSI with numpy's quantiles.
ks_cases = []
for a, b in [
    ({"n": 200, "seed": 5}, {"n": 200, "seed": 6, "shift": 0.08}),
    ({"n": 300, "seed": 7}, {"n": 170, "seed": 8, "scale": 1.1}),
    ({"n": 1000, "seed": 9, "levels": 10}, {"n": 800, "seed": 10, "levels": 10, "shift": 0.0}),
    ({"n": 1000, "seed": 11, "levels": 10}, {"n": 800, "seed": 12, "levels": 11}),
    ({"n": 5000, "seed": 13}, {"n": 4000, "seed": 14}),
    ({"n": 12000, "seed": 15}, {"n": 11000, "seed": 16, "shift": 0.004}),
    ({"n": 12000, "seed": 17}, {"n": 11000, "seed": 18, "shift": 0.05}),
    ({"n": 12000, "seed": 19}, {"n": 11000, "seed": 20, "shift": 0.01}),
    ({"n": 20000, "seed": 21}, {"n": 100, "seed": 22, "shift": 0.05}),
    ({"n": 20000, "seed": 23}, {"n": 120, "seed": 24, "shift": 0.2}),
    ({"n": 15000, "seed": 25}, {"n": 60, "seed": 26, "shift": 0.1}),
    ({"n": 10, "seed": 27}, {"n": 7, "seed": 28, "shift": 0.3}),
]:
    x, y = sample(a), sample(b)
    result = ks_2samp(x, y)
    ks_cases.append({"a": a, "b": b, "statistic": float(result.statistic), "pvalue": float(result.pvalue),
                     "psi": psi(x, y)})

chi_cases = []
for reference, current in [
    ([300, 700], [180, 220]),
    ([120, 80, 50, 10], [100, 90, 40, 30]),
    ([50, 0, 25], [40, 10, 30]),
    ([1000, 2000, 3000], [1010, 1990, 3000]),
]:
    statistic, pvalue, dof, _ = chi2_contingency(np.array([reference, current]))
    chi_cases.append({"reference": reference, "current": current, "statistic": float(statistic),
                      "pvalue": float(pvalue), "dof": int(dof)})

with open("Tests/Fixtures/monitoring_reference.json", "w") as f:
    json.dump({
        "made_with": {"fairlearn": fairlearn.__version__, "scipy": scipy.__version__, "numpy": np.__version__},
        "fairness": {"sex": sex.tolist(), "band": band.tolist(), "truth": truth.tolist(),
                     "predicted": predicted.tolist(), "cases": fairness_cases},
        "ks": ks_cases,
        "chi2": chi_cases,
    }, f, indent=1)
