"""Checks Labbook's ONNX exports in onnxruntime against Labbook's own predictions (ONNXExportTests).

    python onnx_check.py CASES.json

CASES.json lists {"name", "onnx", "test", "predictions", "task", "classes", "tolerance"}: the ONNX file,
an HDF5 file of the test rows (`save T to ...` layout, group /test), an HDF5 file of `predict M on T`
(group /predictions) and the largest absolute difference allowed in probabilities or values. For every
case: onnx.checker.check_model passes (full check, with shape inference), onnxruntime runs the model on the
test rows fed one input per raw column (double [N, 1], string [N, 1] with "" for missing), and its labels
equal Labbook's `prediction` column while its probabilities (or values) are within the tolerance of
Labbook's `probability` / `probability_LABEL` columns (or `prediction`). Prints one JSON line per case.
"""
import json
import sys

import h5py
import numpy as np
import onnx
import onnxruntime


def table(path, group):
    g = h5py.File(path, "r")[group]
    names = [str(n) for n in g.attrs["columns"]]
    columns = {}
    for name in names:
        data = g[name.replace("/", "_")][:]
        if data.dtype.kind in "OSU":
            columns[name] = np.array([v.decode() if isinstance(v, bytes) else str(v) for v in data], dtype=object)
        else:
            columns[name] = data.astype(np.float64)
    return columns


def label_text(value):
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, (float, np.floating)):
        return str(int(value)) if float(value).is_integer() else repr(float(value))
    return str(value)


def check(case):
    model = onnx.load(case["onnx"])
    onnx.checker.check_model(model, full_check=True)
    session = onnxruntime.InferenceSession(case["onnx"], providers=["CPUExecutionProvider"])
    rows = table(case["test"], "/test")
    feeds = {}
    for port in session.get_inputs():
        column = rows[port.name]
        if port.type == "tensor(string)":
            feeds[port.name] = column.astype(object).reshape(-1, 1)
        else:
            assert port.type == "tensor(double)", port.type
            feeds[port.name] = column.astype(np.float64).reshape(-1, 1)
    names = [o.name for o in session.get_outputs()]
    outputs = dict(zip(names, session.run(None, feeds)))
    expected = table(case["predictions"], "/predictions")
    result = {"name": case["name"], "rows": len(next(iter(rows.values())))}
    if case["task"] == "regression":
        assert names == ["variable"], names
        got = outputs["variable"][:, 0]
        want = expected["prediction"]
        result["max_difference"] = float(np.max(np.abs(got - want)))
        result["ok"] = bool(np.allclose(got, want, rtol=0, atol=case["tolerance"]))
        return result
    assert names == ["label", "probabilities"], names
    classes = case["classes"]
    labels = [label_text(v) for v in outputs["label"]]
    want_labels = [label_text(v) for v in expected["prediction"]]
    mismatched = [i for i, (a, b) in enumerate(zip(labels, want_labels)) if a != b]
    probabilities = outputs["probabilities"]
    if len(classes) == 2:
        want = np.stack([1 - expected["probability"], expected["probability"]], axis=1)
    else:
        want = np.stack([expected[f"probability_{c}"] for c in classes], axis=1)
    difference = float(np.max(np.abs(probabilities - want)))
    result.update(
        label_mismatches=len(mismatched), first_mismatches=[(i, labels[i], want_labels[i]) for i in mismatched[:3]],
        max_difference=difference, label_type=str(outputs["label"].dtype))
    result["ok"] = not mismatched and difference <= case["tolerance"]
    return result


if __name__ == "__main__":
    failures = 0
    for case in json.load(open(sys.argv[1])):
        try:
            result = check(case)
        except Exception as error:  # report every case, then fail
            result = {"name": case["name"], "ok": False, "error": f"{type(error).__name__}: {error}"}
        failures += not result["ok"]
        print(json.dumps(result))
    sys.exit(1 if failures else 0)
