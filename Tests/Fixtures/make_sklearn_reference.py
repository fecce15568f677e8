"""Makes Tests/Fixtures/sklearn_reference.json: a fixed 80/20 split of each bundled dataset and the
test score (accuracy, or R² for diabetes) of each scikit-learn estimator that corresponds to a Labbook
learner, all with default hyper-parameters.

Run from the repository root with scikit-learn installed:
    .venv/bin/python Tests/Fixtures/make_sklearn_reference.py
Categorical columns (german_credit) are one-hot encoded with pandas.get_dummies for every estimator.

LogisticRegression gets max_iter=10000: with the default 100, lbfgs stops early on these unscaled
features (scikit-learn warns that it did not converge) at a point that depends on the optimiser's path;
the converged fit is the optimum of the objective that Labbook's `logistic` minimises.
For the estimators whose result depends on a random seed, the reference is the mean score over seeds:
random_state 0..19 for the single tree (its tie-breaking swings the score of a fully grown tree on these
small test sets by up to 0.2), 0..4 for the forests. Histogram boosting is deterministic here.
`extra` (Labbook's `forest splits random`) is ExtraTrees with max_features="sqrt", Labbook's forest
default for both tasks (scikit-learn's ExtraTreesRegressor would otherwise try every feature).
`tree8` and `extra16` (Labbook's `leaves 8` and `leaves 16`) are the same trees grown best first to at
most 8 and 16 leaves (`max_leaf_nodes`), with the seeds of their unlimited counterparts.
"""
import json

import numpy as np
import pandas as pd
import sklearn
from sklearn.ensemble import (ExtraTreesClassifier, ExtraTreesRegressor, HistGradientBoostingClassifier,
                              HistGradientBoostingRegressor, RandomForestClassifier, RandomForestRegressor)
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

DATASETS = {
    "iris": ("target", "classification"),
    "wine": ("target", "classification"),
    "breast_cancer": ("target", "classification"),
    "german_credit": ("risk", "classification"),
    "diabetes": ("target", "regression"),
}

CLASSIFIERS = {
    "logistic": lambda seed: LogisticRegression(max_iter=10000),
    "tree": lambda seed: DecisionTreeClassifier(random_state=seed),
    "forest": lambda seed: RandomForestClassifier(random_state=seed),
    "extra": lambda seed: ExtraTreesClassifier(max_features="sqrt", random_state=seed),
    "tree8": lambda seed: DecisionTreeClassifier(max_leaf_nodes=8, random_state=seed),
    "extra16": lambda seed: ExtraTreesClassifier(max_features="sqrt", max_leaf_nodes=16, random_state=seed),
    "gbm": lambda seed: HistGradientBoostingClassifier(random_state=seed),
    "knn": lambda seed: KNeighborsClassifier(),
    "bayes": lambda seed: GaussianNB(),
}
REGRESSORS = {
    "linear": lambda seed: LinearRegression(),
    "ridge": lambda seed: Ridge(),
    "tree": lambda seed: DecisionTreeRegressor(random_state=seed),
    "forest": lambda seed: RandomForestRegressor(random_state=seed),
    "extra": lambda seed: ExtraTreesRegressor(max_features="sqrt", random_state=seed),
    "tree8": lambda seed: DecisionTreeRegressor(max_leaf_nodes=8, random_state=seed),
    "extra16": lambda seed: ExtraTreesRegressor(max_features="sqrt", max_leaf_nodes=16, random_state=seed),
    "gbm": lambda seed: HistGradientBoostingRegressor(random_state=seed),
    "knn": lambda seed: KNeighborsRegressor(),
}

SEEDS = {"tree": range(20), "tree8": range(20), "forest": range(5), "extra": range(5), "extra16": range(5)}

out = {"sklearn_version": sklearn.__version__, "datasets": {}}
for name, (target, task) in DATASETS.items():
    frame = pd.read_csv(f"datasets/{name}.csv")
    n = len(frame)
    order = np.random.RandomState(0).permutation(n)
    cut = int(n * 0.8)
    train_idx, test_idx = sorted(order[:cut].tolist()), sorted(order[cut:].tolist())
    x = pd.get_dummies(frame.drop(columns=[target]), dtype=float).to_numpy()
    y = frame[target].to_numpy()
    scores = {}
    for learner, make in (CLASSIFIERS if task == "classification" else REGRESSORS).items():
        seeds = SEEDS.get(learner, [0])
        runs = [make(seed).fit(x[train_idx], y[train_idx]).score(x[test_idx], y[test_idx]) for seed in seeds]
        scores[learner] = float(np.mean(runs))
    out["datasets"][name] = {"target": target, "task": task, "train": train_idx, "test": test_idx, "scores": scores}
    print(name, {k: round(v, 4) for k, v in scores.items()})

with open("Tests/Fixtures/sklearn_reference.json", "w") as f:
    json.dump(out, f)
