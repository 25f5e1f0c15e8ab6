"""Open Inference Protocol v2 tensors: the inference request checked, the models that score it.

Checked in the real server's order (Seldon MLServer 1.7.1 with its scikit-learn runtime): first the
request's form, as MLServer's pydantic schema does (a body that is not an inference request is a 422),
then, for the model, the tensor's contract (one input, its datatype, shape and data: a 400).  Every
problem is an ``OipError`` whose message says what to change; MLServer's own wording is kept where it
has one ("The 'np' codec only supports a single input tensor", "X has 5 features, but Ridge is
expecting 10 features as input.").
"""

from __future__ import annotations

import json
import math
import struct
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..model import Classifier, LinearModel

DATATYPES = ("BOOL", "UINT8", "UINT16", "UINT32", "UINT64", "INT8", "INT16", "INT32", "INT64")
DATATYPES += ("FP16", "FP32", "FP64", "BYTES")
FLOATS = {"FP64": None, "FP32": "f", "FP16": "e"}  # the floating datatypes a model takes; struct's format
SKLEARN_OUTPUTS = ("predict", "predict_proba", "transform")  # the outputs MLServer's runtime knows
EXAMPLE = '{"inputs": [{"name": "input-0", "shape": [N, F], "datatype": "FP64", "data": [...]}]}'


class OipError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def schema(message: str) -> OipError:
    return OipError(422, message)


def bad(message: str) -> OipError:
    return OipError(400, message)


@dataclass(frozen=True)
class Request:
    id: str | None
    name: str  # the (one) input's
    shape: list[int]
    datatype: str
    data: Any
    outputs: list[str]


def _typed(doc: dict, key: str, kind: type, what: str, where: str) -> None:
    if key in doc and (not isinstance(doc[key], kind) or isinstance(doc[key], bool)):
        raise schema(f"{where}{key} must be {what}, got {json.dumps(doc[key])[:40]}")


def _tensor(doc: Any, where: str) -> None:
    """One request input's form: name, shape, datatype, data (and optional parameters)."""
    if not isinstance(doc, dict):
        raise schema(f'{where} must be an object {{"name", "shape", "datatype", "data"}}')
    for key in ("name", "shape", "datatype", "data"):
        if key not in doc:
            raise schema(f'{where} has no field "{key}": each input has "name", "shape", "datatype" and "data"')
    _typed(doc, "name", str, "a string", f"{where}.")
    _typed(doc, "parameters", dict, "an object", f"{where}.")
    shape = doc["shape"]
    if not isinstance(shape, list) or not all(isinstance(d, int) and not isinstance(d, bool) for d in shape):
        raise schema(f"{where}.shape must be an array of whole numbers, got {json.dumps(shape)[:40]}")
    if doc["datatype"] not in DATATYPES:
        raise schema(f"{where}.datatype must be one of {', '.join(DATATYPES)}, got {json.dumps(doc['datatype'])[:40]}")
    if "binary_data_size" in doc.get("parameters", {}):
        raise bad(f"{where}: the binary data extension is not supported; send the tensor in JSON as its data")


def check_form(doc: Any) -> dict:
    """The inference request's form, as MLServer's pydantic schema checks it (422); the document."""
    if not isinstance(doc, dict):
        raise schema(f"the body must be a JSON object such as {EXAMPLE}")
    if "inputs" not in doc:
        raise schema(f'missing field "inputs": send {EXAMPLE}')
    _typed(doc, "id", str, "a string", "")
    _typed(doc, "parameters", dict, "an object", "")
    if not isinstance(doc["inputs"], list):
        raise schema('"inputs" must be an array of input tensors')
    for i, tensor in enumerate(doc["inputs"]):
        _tensor(tensor, f"inputs[{i}]")
    outputs = doc.get("outputs", [])
    named = isinstance(outputs, list) and all(isinstance(o, dict) and isinstance(o.get("name"), str) for o in outputs)
    if not named:
        raise schema('"outputs" must be an array of objects {"name": "..."}')
    return doc


def parse_request(doc: Any) -> Request:
    """The inference request, its form checked (422) and its one input taken (400)."""
    doc = check_form(doc)
    outputs = doc.get("outputs", [])
    if len(doc["inputs"]) != 1:
        raise bad(
            "There was an error encoding / decoding the payload: The 'np' codec only supports a single input "
            f"tensor ({len(doc['inputs'])} were received)"
        )
    tensor = doc["inputs"][0]
    names = [o["name"] for o in outputs]
    return Request(doc.get("id"), tensor["name"], tensor["shape"], tensor["datatype"], tensor["data"], names)


def flat(data: Any) -> list[Any]:
    """The data's values in row-major order, however it is nested."""
    out, stack = [], [data]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(reversed(item))
        else:
            out.append(item)
    return out


def _number(value: Any, k: int, name: str, datatype: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise bad(f"input {name!r}: value {k} of its data is {json.dumps(value)[:40]}, expected a number")
    number, fmt = float(value), FLOATS[datatype]
    if fmt is None:
        return number
    try:
        return struct.unpack(fmt, struct.pack(fmt, number))[0]  # rounded to the datatype's precision
    except OverflowError:
        raise bad(f"input {name!r}: value {k} of its data is out of the range of {datatype}") from None


def rows_of(request: Request, model: str, features: int, estimator: str) -> list[list[float]]:
    """The request's input as rows of ``features`` numbers, checked against the model's contract."""
    name, shape, datatype = request.name, request.shape, request.datatype
    if datatype not in FLOATS:
        raise bad(f"input {name!r} is {datatype}; model {model} takes FP64 (or FP32, FP16: rounded to them)")
    values = flat(request.data)
    size = math.prod(shape)
    if any(d < 0 for d in shape) or size != len(values):
        dims = ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "")
        raise bad(
            f"input {name!r}: shape {shape} does not match its data ({len(values)} values): "
            f"cannot reshape array of size {len(values)} into shape ({dims})"
        )
    if len(shape) != 2:
        raise bad(f"input {name!r} has shape {shape}; model {model} takes a 2-D input [N, {features}]")
    if shape[1] != features:
        raise bad(f"X has {shape[1]} features, but {estimator} is expecting {features} features as input.")
    if shape[0] == 0:
        raise bad(f"input {name!r} has no rows (shape {shape}); send at least one")
    numbers = [_number(v, k, name, datatype) for k, v in enumerate(values, start=1)]
    return [numbers[i : i + features] for i in range(0, len(numbers), features)]


@dataclass(frozen=True)
class Output:
    datatype: str
    width: int  # values per row
    score: Callable[[list[list[float]]], list[Any]]  # rows -> the flat data


@dataclass(frozen=True)
class Served:
    """A model as the scikit-learn runtime serves it: its estimator's class, features and outputs."""

    name: str
    estimator: str
    features: int
    outputs: dict[str, Output]

    def metadata(self, version: str) -> dict:
        """The model metadata answer, as the real server's model-settings.json declares it."""
        return {
            "name": self.name,
            "versions": [version],
            "platform": "sklearn",
            "inputs": [{"name": "input-0", "datatype": "FP64", "shape": [-1, self.features]}],
            "outputs": [{"name": n, "datatype": o.datatype, "shape": [-1, o.width]} for n, o in self.outputs.items()],
            "parameters": {},
        }

    def infer(self, request: Request) -> list[dict]:
        """The response's outputs: ``predict`` unless others are asked for."""
        names = request.outputs or ["predict"]
        for name in names:
            if name not in SKLEARN_OUTPUTS:
                raise bad(
                    f"SKLearnModel only supports 'predict', 'predict_proba' and 'transform' as outputs "
                    f"({name} was received)"
                )
            if name not in self.outputs:
                raise bad(f"<class '{self.estimator}'> models do not support '{name}'")
        rows = rows_of(request, self.name, self.features, self.estimator.rpartition(".")[2])
        return [self._output(name, rows) for name in names]

    def _output(self, name: str, rows: list[list[float]]) -> dict:
        out = self.outputs[name]
        shape = [len(rows), out.width]
        return {"name": name, "shape": shape, "datatype": out.datatype, "parameters": {"content_type": "np"},
                "data": out.score(rows)}  # fmt: skip


def served_models(regression: LinearModel, classifier: Classifier) -> dict[str, Served]:
    """``diabetes`` (a Ridge regression) and ``iris`` (a logistic regression), as MLServer serves them."""
    diabetes = Served(
        "diabetes", "sklearn.linear_model._ridge.Ridge", regression.n_features,
        {"predict": Output("FP64", 1, regression.predict)},
    )  # fmt: skip
    iris_outputs = {
        "predict": Output("BYTES", 1, lambda rows: [classifier.predict(x) for x in rows]),
        "predict_proba": Output(
            "FP64", len(classifier.classes), lambda rows: [p for x in rows for p in classifier.probabilities(x)]
        ),
    }
    iris = Served(
        "iris", "sklearn.linear_model._logistic.LogisticRegression", len(classifier.feature_names), iris_outputs
    )
    return {"diabetes": diabetes, "iris": iris}
