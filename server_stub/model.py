"""The model behind the stub: a linear regression read from a small JSON file.

``models/diabetes.json`` holds the coefficients of the seed page's example
service (see ``models/train_diabetes.py`` for the recipe), so predictions are
real and need neither numpy nor scikit-learn.  Validation errors name the
exact row and value at fault, because that is what a client author needs.
"""

from __future__ import annotations

import json
import math
import pathlib
from dataclasses import dataclass
from typing import Any

from .blas import matvec
from .errors import InputError

DEFAULT_MODEL = pathlib.Path(__file__).with_name("models") / "diabetes.json"


def finite(value: Any, strings: bool = False) -> float | None:
    """The value as a finite float: a JSON number (or, with ``strings``, a numeric string); else None."""
    kinds = (int, float, str) if strings else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds):
        return None
    try:
        number = float(value)
    except (ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


@dataclass(frozen=True)
class LinearModel:
    name: str
    feature_names: tuple[str, ...]
    coefficients: tuple[float, ...]
    intercept: float
    example_rows: tuple[tuple[float, ...], ...] = ()

    @classmethod
    def load(cls, path: pathlib.Path | str = DEFAULT_MODEL) -> LinearModel:
        doc = json.loads(pathlib.Path(path).read_text(encoding="utf-8"))
        model = cls(
            name=doc["name"],
            feature_names=tuple(doc["feature_names"]),
            coefficients=tuple(float(c) for c in doc["coefficients"]),
            intercept=float(doc["intercept"]),
            example_rows=tuple(tuple(r) for r in doc.get("example", {}).get("data", ())),
        )
        if len(model.coefficients) != len(model.feature_names):
            raise ValueError(f"{path}: {len(model.coefficients)} coefficients for {len(model.feature_names)} features")
        return model

    @property
    def n_features(self) -> int:
        return len(self.coefficients)

    def rows_from(self, document: Any) -> list[list[float]]:
        """Check a parsed request document and return its rows as floats."""
        n = self.n_features
        if not isinstance(document, dict):
            raise InputError(f'body must be a JSON object {{"data": [[{n} numbers], ...]}}, got {_kind(document)}')
        if "data" not in document:
            raise InputError(f'missing field "data": send {{"data": [[{n} numbers], ...]}}')
        data = document["data"]
        if not isinstance(data, list):
            raise InputError(f'"data" must be an array of rows, got {_kind(data)}')
        if not data:
            raise InputError('"data" is empty; send at least one row')
        if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in data):
            raise InputError('"data" must be an array of rows; got a flat array of numbers: wrap the row in [ ]')
        rows = []
        for i, row in enumerate(data, start=1):
            if not isinstance(row, list):
                raise InputError(f"row {i} is {_kind(row)}, expected an array of {n} numbers")
            if len(row) != n:
                raise InputError(f"row {i} has {len(row)} values, expected {n}")
            values = []
            for j, value in enumerate(row, start=1):
                if isinstance(value, bool) or not isinstance(value, (int, float)):
                    shown = json.dumps(value)
                    shown = shown if len(shown) <= 40 else shown[:37] + "..."
                    where = f"row {i}, value {j} ({self.feature_names[j - 1]})"
                    raise InputError(f"{where} is {_kind(value)} ({shown}), expected a number")
                number = finite(value)
                if number is None:
                    raise InputError(
                        f"row {i}, value {j} ({self.feature_names[j - 1]}) is out of the range of a double"
                    )
                values.append(number)
            rows.append(values)
        return rows

    def predict(self, rows: list[list[float]]) -> list[float]:
        """``rows @ coefficients + intercept``, summed as the real server's numpy sums (``blas.py``)."""
        return [y + self.intercept for y in matvec(rows, list(self.coefficients))]


IRIS_MODEL = pathlib.Path(__file__).with_name("models") / "iris.json"


@dataclass(frozen=True)
class Classifier:
    """A multinomial logistic regression: one coefficient row and intercept per class, softmax on top."""

    name: str
    feature_names: tuple[str, ...]
    classes: tuple[str, ...]
    coefficients: tuple[tuple[float, ...], ...]
    intercepts: tuple[float, ...]

    @classmethod
    def load(cls, path: pathlib.Path | str = IRIS_MODEL) -> Classifier:
        doc = json.loads(pathlib.Path(path).read_text(encoding="utf-8"))
        model = cls(
            name=doc["name"],
            feature_names=tuple(doc["feature_names"]),
            classes=tuple(doc["classes"]),
            coefficients=tuple(tuple(float(c) for c in row) for row in doc["coefficients"]),
            intercepts=tuple(float(b) for b in doc["intercepts"]),
        )
        if not (len(model.classes) == len(model.coefficients) == len(model.intercepts)) or any(
            len(row) != len(model.feature_names) for row in model.coefficients
        ):
            raise ValueError(f"{path}: coefficients do not match {len(model.classes)} classes x features")
        return model

    def features_of(self, record: Any, where: str) -> list[float]:
        """The record's measurements, by name; extra fields are allowed (and echoed by callers)."""
        if not isinstance(record, dict):
            raise InputError(f"{where} is {_kind(record)}, expected an object with {', '.join(self.feature_names)}")
        values = []
        for name in self.feature_names:
            if name not in record:
                raise InputError(f"{where} has no field {name!r}; needs {', '.join(self.feature_names)}")
            value = record[name]
            number = finite(value)
            if number is None:
                raise InputError(f"{where}.{name} is {_kind(value)} ({json.dumps(value)[:40]}), expected a number")
            values.append(number)
        return values

    def probabilities(self, x: list[float]) -> list[float]:
        scores = [b + sum(c * v for c, v in zip(row, x)) for row, b in zip(self.coefficients, self.intercepts)]
        top = max(scores)
        exps = [math.exp(s - top) for s in scores]
        return [e / sum(exps) for e in exps]

    def predict(self, x: list[float]) -> str:
        p = self.probabilities(x)
        return self.classes[p.index(max(p))]
