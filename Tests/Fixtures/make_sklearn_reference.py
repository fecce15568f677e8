"""Makes Tests/Fixtures/sklearn_reference.json: a fixed 80/20 split of each bundled dataset and the
test score (accuracy, or R² for diabetes) of each scikit-learn estimator that corresponds to a Labbook
learner, all with default hyper-parameters.

Run from the repository root with scikit-learn installed:
    .venv/bin/python Tests/Fixtures/make_sklearn_reference.py
Categorical columns (german_credit) are one-hot encoded with pandas.get_dummies for every estimator.
"""
import json

import numpy as np
import pandas as pd
import sklearn
from sklearn.ensemble import (HistGradientBoostingClassifier, HistGradientBoostingRegressor,
                              RandomForestClassifier, RandomForestRegressor)
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
    "logistic": lambda: LogisticRegression(),
    "tree": lambda: DecisionTreeClassifier(random_state=0),
    "forest": lambda: RandomForestClassifier(random_state=0),
    "gbm": lambda: HistGradientBoostingClassifier(random_state=0),
    "knn": lambda: KNeighborsClassifier(),
    "bayes": lambda: GaussianNB(),
}
REGRESSORS = {
    "linear": lambda: LinearRegression(),
    "ridge": lambda: Ridge(),
    "tree": lambda: DecisionTreeRegressor(random_state=0),
    "forest": lambda: RandomForestRegressor(random_state=0),
    "gbm": lambda: HistGradientBoostingRegressor(random_state=0),
    "knn": lambda: KNeighborsRegressor(),
}

out = {"sklearn_version": sklearn.__version__, "datasets": {}}
for name, (target, task) in DATASETS.items():
    frame = pd.read_csv(f"../shared/datasets/{name}.csv")
    n = len(frame)
    order = np.random.RandomState(0).permutation(n)
    cut = int(n * 0.8)
    train_idx, test_idx = sorted(order[:cut].tolist()), sorted(order[cut:].tolist())
    x = pd.get_dummies(frame.drop(columns=[target]), dtype=float).to_numpy()
    y = frame[target].to_numpy()
    scores = {}
    for learner, make in (CLASSIFIERS if task == "classification" else REGRESSORS).items():
        model = make().fit(x[train_idx], y[train_idx])
        scores[learner] = float(model.score(x[test_idx], y[test_idx]))
    out["datasets"][name] = {"target": target, "task": task, "train": train_idx, "test": test_idx, "scores": scores}
    print(name, {k: round(v, 4) for k, v in scores.items()})

with open("Tests/Fixtures/sklearn_reference.json", "w") as f:
    json.dump(out, f)
