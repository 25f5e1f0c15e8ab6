"""Start Seldon MLServer serving the kit's models: ``start.py --host H --port P --root ROOT --cache DIR``.

At first start it writes, under DIR, the models the stub serves as MLServer's scikit-learn runtime loads
them: ``diabetes`` (a Ridge with the coefficients of server_stub/models/diabetes.json) and ``iris`` (the
logistic regression of iris.json), each a ``model.joblib`` with its ``model-settings.json``.  Then it runs
``mlserver start DIR`` on HOST:PORT, HTTP only in effect: gRPC and metrics get free ports of their own on
HOST, and one process (no parallel inference workers).
"""

import argparse
import json
import os
import socket
import sys
from pathlib import Path

VERSION = "1"


def free_port(host: str) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def tensors(features: int, outputs: dict[str, tuple[str, int]]) -> dict:
    """The model metadata MLServer answers: what the stub's metadata says too."""
    return {
        "platform": "sklearn",
        "versions": [VERSION],
        "inputs": [{"name": "input-0", "datatype": "FP64", "shape": [-1, features]}],
        "outputs": [{"name": n, "datatype": d, "shape": [-1, w]} for n, (d, w) in outputs.items()],
    }


def write_models(root: Path, cache: Path) -> None:
    import joblib
    import numpy as np
    from sklearn.linear_model import LogisticRegression, Ridge

    models = root / "server_stub" / "models"
    d = json.loads((models / "diabetes.json").read_text(encoding="utf-8"))
    ridge = Ridge(alpha=0.4)
    ridge.coef_, ridge.intercept_ = np.array(d["coefficients"]), float(d["intercept"])
    ridge.n_features_in_ = len(d["coefficients"])
    i = json.loads((models / "iris.json").read_text(encoding="utf-8"))
    logistic = LogisticRegression(max_iter=1000)
    logistic.coef_, logistic.intercept_ = np.array(i["coefficients"]), np.array(i["intercepts"])
    logistic.classes_, logistic.n_features_in_ = np.array(i["classes"]), len(i["feature_names"])
    served = {
        "diabetes": (ridge, tensors(ridge.n_features_in_, {"predict": ("FP64", 1)})),
        "iris": (logistic, tensors(4, {"predict": ("BYTES", 1), "predict_proba": ("FP64", len(i["classes"]))})),
    }
    for name, (estimator, metadata) in served.items():
        folder = cache / name
        folder.mkdir(parents=True, exist_ok=True)
        joblib.dump(estimator, folder / "model.joblib")
        settings = {"name": name, "implementation": "mlserver_sklearn.SKLearnModel", **metadata,
                    "parameters": {"uri": "./model.joblib", "version": VERSION}}  # fmt: skip
        (folder / "model-settings.json").write_text(json.dumps(settings, indent=2), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser()
    for flag in ("--host", "--port", "--root", "--cache"):
        parser.add_argument(flag, required=True)
    args = parser.parse_args()
    cache = Path(args.cache)
    if not (cache / "iris" / "model-settings.json").is_file():  # diabetes is written first
        write_models(Path(args.root), cache)
    settings = {"host": args.host, "http_port": int(args.port), "grpc_port": free_port(args.host),
                "metrics_port": free_port(args.host), "parallel_workers": 0}  # fmt: skip
    (cache / "settings.json").write_text(json.dumps(settings), encoding="utf-8")
    mlserver = Path(sys.executable).with_name("mlserver")
    os.execv(mlserver, [str(mlserver), "start", str(cache)])


if __name__ == "__main__":
    main()
