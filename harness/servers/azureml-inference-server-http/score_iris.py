"""Entry script for azureml-inference-server-http: the iris classifier the stub's ModelArts dialect serves.

``{"data": [[sepal_length, sepal_width, petal_length, petal_width], ...]}`` in,
one class name per row out.  scikit-learn's ``LogisticRegression`` with the
coefficients of ``server_stub/models/iris.json`` (named by ``SCORING_KIT_MODEL``).
"""

import json
import os

import numpy as np
from sklearn.linear_model import LogisticRegression

model = None


def init():
    global model
    with open(os.environ["SCORING_KIT_MODEL"], encoding="utf-8") as f:
        doc = json.load(f)
    model = LogisticRegression()
    model.coef_ = np.array(doc["coefficients"], dtype=np.float64)
    model.intercept_ = np.array(doc["intercepts"], dtype=np.float64)
    model.classes_ = np.array(doc["classes"])
    model.n_features_in_ = len(doc["feature_names"])


def run(raw_data):
    data = np.array(json.loads(raw_data)["data"])
    return model.predict(data).tolist()
