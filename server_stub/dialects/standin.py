"""The stand-in model: any model a caller names, any well-formed input of the protocol, answered in its shape.

A service with the stand-in on (``PUT /__admin/services/{service}/stand-in`` ``{"enabled": true}``, or a
scenario's ``[stub] stand_in = true``) still serves its own models (``diabetes``, ``iris``), judged on their
predictions as ever.  What they are not is served by the stand-in: a model name the stub does not know
(OIP, TF Serving / KServe v1, MLflow's ``.../models/<m>/...``), an MLflow table none of whose columns the
default model has, an Azure ML body of ``input_data`` (an MLflow model on an online endpoint).

The stand-in checks what the protocol requires (the request's form, each tensor's shape against its data
and its datatype against its values, one shape for every instance of a batch) and answers one prediction
per row: the sum of the row's numbers.  Those values mean nothing; the journal entry of the request says
``"standIn": "<model>"`` so that a reader does not judge them.
"""

from __future__ import annotations

import json
import math
from typing import Any

from aiohttp import web

from ..inputs import ENTRY
from ..model import finite
from .oip_tensors import bad, check_form, flat

NAME = "stand-in"  # the model's name where a route names none (MLflow's /invocations, Azure ML's /score)
INTEGERS = ("UINT8", "UINT16", "UINT32", "UINT64", "INT8", "INT16", "INT32", "INT64")


def served(request: web.Request, model: str) -> None:
    """Mark the request's journal entry: the stand-in answered it (its values are not a model's)."""
    entry = request.get(ENTRY)
    if entry is not None:
        entry["standIn"] = model


def row_value(row: Any) -> float:
    """A row's one prediction: the sum of its numbers (strings and booleans count nothing)."""
    numbers = [finite(v) for v in flat(row) if not isinstance(v, bool)]
    return math.fsum(n for n in numbers if n is not None)


# -- Open Inference Protocol v2 ------------------------------------------------------------
def _value_fits(value: Any, datatype: str) -> bool:
    if datatype == "BOOL":
        return isinstance(value, bool)
    if datatype == "BYTES":
        return isinstance(value, str)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return not (datatype in INTEGERS and not float(value).is_integer()) and finite(value) is not None


def _tensor_rows(tensor: dict, where: str) -> int:
    """The number of rows (the first dimension) of a tensor whose shape, data and datatype agree."""
    shape, datatype, values = tensor["shape"], tensor["datatype"], flat(tensor["data"])
    if any(d < 0 for d in shape) or math.prod(shape) != len(values):
        raise bad(f"{where} ({tensor['name']!r}): shape {shape} does not match its data ({len(values)} values)")
    for k, value in enumerate(values, start=1):
        if not _value_fits(value, datatype):
            raise bad(f"{where} ({tensor['name']!r}) is {datatype}: value {k} of its data, "
                      f"{json.dumps(value)[:40]}, is not one")  # fmt: skip
    return shape[0] if shape else 1


def oip_outputs(doc: Any) -> list[dict]:
    """The outputs of an inference request (any number of inputs, of one batch size): one FP64 per row."""
    doc = check_form(doc)
    if not doc["inputs"]:
        raise bad('"inputs" is empty; send at least one input tensor')
    rows = [_tensor_rows(t, f"inputs[{i}]") for i, t in enumerate(doc["inputs"])]
    if len(set(rows)) > 1:
        raise bad(f"the inputs have different batch sizes (first dimensions {rows}); a request is one batch")
    first = doc["inputs"][0]
    values = flat(first["data"])
    width = len(values) // rows[0] if rows[0] else 0
    data = [row_value(values[i * width : (i + 1) * width]) for i in range(rows[0])]
    names = [o["name"] for o in doc.get("outputs", [])] or ["output-0"]
    return [{"name": n, "shape": [rows[0], 1], "datatype": "FP64", "parameters": {}, "data": data} for n in names]


# -- TF Serving REST / KServe v1 -------------------------------------------------------------
def _shape(value: Any, where: str) -> Any:
    """An instance's shape: nested lengths of a list (ragged: refused), the shapes of an object's inputs."""
    if isinstance(value, dict):
        return tuple(sorted((k, _shape(v, where)) for k, v in value.items()))
    if value is None:
        raise ValueError(f"{where} an instance is null")
    if not isinstance(value, list):
        return ()
    inner = {_shape(v, where) for v in value}
    if len(inner) > 1:
        raise ValueError(f"{where} is ragged: its elements have different shapes")
    return (len(value), *(inner.pop() if inner else ()))


def tf_predictions(batch: list, key: str) -> list[float]:
    """One prediction per instance, once every instance has the first one's shape (as TF Serving requires)."""
    shapes = [_shape(row, f"Failed to process element: {i} of '{key}' list. Error:") for i, row in enumerate(batch)]
    for i, shape in enumerate(shapes):
        if shape != shapes[0]:
            raise ValueError(f"Failed to process element: {i} of '{key}' list. Error: Expecting shape "
                             f"{_shown(shapes[0])} as element 0 has, but got: {_shown(shape)}")  # fmt: skip
    return [row_value(list(row.values()) if isinstance(row, dict) else row) for row in batch]


def _shown(shape: Any) -> str:
    if shape and isinstance(shape[0], tuple):
        return "{" + ", ".join(f"{k}: {_shown(s)}" for k, s in shape) + "}"
    return "[" + ", ".join(map(str, shape)) + "]"


# -- MLflow and Azure ML (an MLflow model on an online endpoint) ---------------------------------
def foreign_frame(columns: list, width: int, features: tuple[str, ...]) -> bool:
    """Whether a table is not for the default model: named columns none of which it has, or another width."""
    named = any(isinstance(c, str) for c in columns)
    return not set(columns) & set(features) if named else width != len(features)


def input_data_rows(doc: Any) -> list[list[Any]]:
    """The rows of Azure ML's ``{"input_data": ...}``: a list of rows, or a split frame ``{columns, index, data}``."""
    value = doc["input_data"]
    if isinstance(value, dict) and "data" in value:
        columns, data = value.get("columns"), value["data"]
        if not isinstance(data, list) or not all(isinstance(r, list) for r in data) or not data:
            raise ValueError('"input_data.data" must be a non-empty array of rows')
        if columns is not None and (not isinstance(columns, list) or any(len(r) != len(columns) for r in data)):
            raise ValueError(f'every row of "input_data.data" must have one value per column ({len(columns or [])})')
        return data
    if isinstance(value, list) and value:
        return [row if isinstance(row, list) else [row] for row in value]
    raise ValueError('"input_data" must be a non-empty array of rows or {"columns": [...], "data": [[...], ...]}')
