"""FLAML's side of benchmarks/automl.sh: the same fixed 80/20 split of each bundled dataset
(Tests/Fixtures/sklearn_reference.json), the same budget, n_jobs=2; prints the test score (accuracy,
or r2 for diabetes) of FLAML's refitted best model.
Usage: automl_peer.py DATASET BUDGET SEED"""
import json
import sys
import time
import warnings

import pandas as pd
from flaml import AutoML
from sklearn.metrics import accuracy_score, r2_score

warnings.simplefilter("ignore")
dataset, budget, seed = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
reference = json.load(open("Tests/Fixtures/sklearn_reference.json"))["datasets"][dataset]
frame = pd.read_csv(f"datasets/{dataset}.csv")
target = reference["target"]
for column in frame.columns:
    if frame[column].dtype == object:
        frame[column] = frame[column].astype("category")
x, y = frame.drop(columns=[target]), frame[target]
train, test = reference["train"], reference["test"]
task = "classification" if reference["task"] == "classification" else "regression"
automl = AutoML()
start = time.perf_counter()
automl.fit(x.iloc[train], y.iloc[train], task=task, time_budget=budget, metric="accuracy" if task == "classification" else "r2",
           n_jobs=2, seed=seed, verbose=0)
elapsed = time.perf_counter() - start
predicted = automl.predict(x.iloc[test])
score = accuracy_score(y.iloc[test], predicted) if task == "classification" else r2_score(y.iloc[test], predicted)
print("flaml", dataset, budget, seed, score, elapsed, len(automl.config_history), automl.best_estimator)
