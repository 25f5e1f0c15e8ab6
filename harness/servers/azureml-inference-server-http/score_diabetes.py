"""Entry script for azureml-inference-server-http: the seed page's diabetes Ridge regression.

Written as Azure ML's own samples write one (``init`` loads the model, ``run``
takes the raw JSON string, ``json.loads(...)["data"]`` into numpy, then
``model.predict``), so bad input fails the way it fails in a real deployment.
The model is scikit-learn's ``Ridge`` with the coefficients the stub serves
(``server_stub/models/diabetes.json``, named by ``SCORING_KIT_MODEL``): the
same numbers, computed by numpy and its BLAS.
"""

import json
import os

import numpy as np
from sklearn.linear_model import Ridge

model = None


def init():
    global model
    with open(os.environ["SCORING_KIT_MODEL"], encoding="utf-8") as f:
        doc = json.load(f)
    model = Ridge(alpha=0.4)
    model.coef_ = np.array(doc["coefficients"], dtype=np.float64)
    model.intercept_ = float(doc["intercept"])
    model.n_features_in_ = len(doc["coefficients"])


def run(raw_data):
    data = np.array(json.loads(raw_data)["data"])
    return model.predict(data).tolist()
