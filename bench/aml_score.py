"""Entry script for the real Azure ML inference server, serving the stub's model.

The benchmark starts ``azureml-inference-server-http`` with this file, so
both servers compute the same predictions with the same pure-Python code;
the comparison measures the server stacks, not the model.
"""

import json
import os

COEFFICIENTS: list[float] = []
INTERCEPT = 0.0


def init():
    global COEFFICIENTS, INTERCEPT
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "server_stub", "models", "diabetes.json")
    with open(path, encoding="utf-8") as f:
        model = json.load(f)
    COEFFICIENTS, INTERCEPT = model["coefficients"], model["intercept"]


def run(raw_data):
    rows = json.loads(raw_data)["data"]
    return [INTERCEPT + sum(c * x for c, x in zip(COEFFICIENTS, row)) for row in rows]
