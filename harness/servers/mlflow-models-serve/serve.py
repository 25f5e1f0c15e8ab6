"""Start ``mlflow models serve`` on one of the stub's models, saved once with ``mlflow.sklearn``.

The model is scikit-learn's, with the coefficients the stub serves (``server_stub/models/<name>.json``):
a ``Ridge`` for the diabetes regression, a ``LogisticRegression`` for the iris classifier.  At the first
start it is saved with ``mlflow.sklearn.save_model`` and a signature naming its columns (inferred from the
example rows, as MLflow's docs do) into the server's cache; later starts reuse it.  Nothing is downloaded.

    python serve.py MODEL_JSON SAVE_DIR HOST PORT
"""

import json
import os
import sys
import tempfile

import numpy as np
import pandas as pd
from mlflow.models import infer_signature
from mlflow.sklearn import save_model
from sklearn.linear_model import LogisticRegression, Ridge


def estimator(doc: dict):
    names = np.array(doc["feature_names"], dtype=object)
    if "classes" in doc:  # the iris classifier: one coefficient row per class
        model = LogisticRegression()
        model.coef_, model.intercept_ = np.array(doc["coefficients"]), np.array(doc["intercepts"])
        model.classes_ = np.array(doc["classes"], dtype=object)
    else:
        model = Ridge(alpha=0.4)
        model.coef_, model.intercept_ = np.array(doc["coefficients"]), float(doc["intercept"])
    model.n_features_in_, model.feature_names_in_ = len(names), names
    return model


def save_once(model_json: str, target: str) -> None:
    if os.path.exists(os.path.join(target, "MLmodel")):
        return
    with open(model_json, encoding="utf-8") as f:
        doc = json.load(f)
    model = estimator(doc)
    example = pd.DataFrame(doc["example"]["data"], columns=doc["feature_names"])
    os.makedirs(os.path.dirname(target), exist_ok=True)
    staging = tempfile.mkdtemp(dir=os.path.dirname(target))
    save_model(model, os.path.join(staging, "model"), signature=infer_signature(example, model.predict(example)))
    os.replace(os.path.join(staging, "model"), target)  # whole, or not at all
    os.rmdir(staging)


def main() -> None:
    model_json, target, host, port = sys.argv[1:]
    save_once(model_json, target)
    bin_dir = os.path.dirname(sys.executable)  # mlflow runs uvicorn from PATH
    os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")
    mlflow = os.path.join(bin_dir, "mlflow")
    os.execv(mlflow, [mlflow, "models", "serve", "-m", target, "--env-manager", "local", "-h", host, "-p", port])


if __name__ == "__main__":
    main()
