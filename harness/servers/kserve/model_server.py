"""KServe's Python model server (kserve 0.21.0) serving the stub's models over REST, v1 and v2 protocols.

The model class is KServe's scikit-learn runtime in miniature (``sklearnserver/model.py``: ``load`` reads a
joblib file, ``predict`` is ``get_predict_input`` -> ``model.predict`` -> ``get_predict_response``, any error an
``InferenceError``), so bad input fails as it fails in a KServe InferenceService.  The model is a scikit-learn
``Ridge`` (diabetes) or ``LogisticRegression`` (iris) with the coefficients the stub serves
(``server_stub/models/*.json``), written with joblib into ``SCORING_KIT_MODEL_DIR`` at the first start, as a
model repository would hold it.

    python model_server.py --http_port 8080 --enable_grpc false

KServe's REST server binds 0.0.0.0; ``SCORING_KIT_HOST`` (the harness: 127.0.0.1) is the address it binds instead.
"""

import json
import os
import pathlib

import joblib
import numpy as np
from kserve import Model, ModelServer, model_server
from kserve.errors import InferenceError
from kserve.protocol.rest.server import RESTServer
from kserve.utils.utils import get_predict_input, get_predict_response
from sklearn.linear_model import LogisticRegression, Ridge

MODELS = pathlib.Path(os.environ["SCORING_KIT_MODELS"])  # server_stub/models
MODEL_DIR = pathlib.Path(os.environ["SCORING_KIT_MODEL_DIR"])  # where the joblib files are kept


def build(name: str):
    """The scikit-learn estimator with the stub's coefficients for model ``name``."""
    doc = json.loads((MODELS / f"{name}.json").read_text(encoding="utf-8"))
    if name == "iris":
        model = LogisticRegression(max_iter=1000)
        model.coef_ = np.array(doc["coefficients"], dtype=np.float64)
        model.intercept_ = np.array(doc["intercepts"], dtype=np.float64)
        model.classes_ = np.arange(len(doc["classes"]))  # trained on iris.target: class indices
    else:
        model = Ridge(alpha=0.4)
        model.coef_ = np.array(doc["coefficients"], dtype=np.float64)
        model.intercept_ = float(doc["intercept"])
    model.n_features_in_ = len(doc["feature_names"])
    return model


class SKLearnModel(Model):
    """KServe's sklearnserver model: a joblib file loaded once, ``predict`` on the request's instances."""

    def __init__(self, name: str):
        super().__init__(name)
        self.ready = False

    def load(self) -> bool:
        path = MODEL_DIR / f"{self.name}.joblib"
        if not path.is_file():  # the first start: save the model as a repository would hold it
            MODEL_DIR.mkdir(parents=True, exist_ok=True)
            joblib.dump(build(self.name), path)
        self._model = joblib.load(path)
        self.ready = True
        return self.ready

    def predict(self, payload, headers=None):
        try:
            instances = get_predict_input(payload)
            return get_predict_response(payload, self._model.predict(instances), self.name)
        except Exception as e:
            raise InferenceError(str(e)) from e


class LoopbackRESTServer(RESTServer):
    """KServe's REST server on SCORING_KIT_HOST rather than its hard-coded 0.0.0.0."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.config.host = os.environ.get("SCORING_KIT_HOST", "0.0.0.0")


if __name__ == "__main__":
    model_server.RESTServer = LoopbackRESTServer
    models = [SKLearnModel(name) for name in ("diabetes", "iris")]
    for m in models:
        m.load()
    ModelServer().start(models)
