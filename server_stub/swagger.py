"""The Swagger 2.0 document of a service, shaped like Azure ML's own.

Azure ML generates one per web service: a health check, ``RunMLService``
(the scoring operation), ``ServiceInput``/``ServiceOutput`` built from the
model's schema, ``ErrorResponse``, and Bearer security when auth is on.
"""

from __future__ import annotations

from .model import LinearModel

ERROR_RESPONSE = {
    "description": "The service failed to execute due to an error.",
    "schema": {"$ref": "#/definitions/ErrorResponse"},
}


def _score_operation() -> dict:
    return {
        "operationId": "RunMLService",
        "description": "Run web service's model and get the prediction output",
        "parameters": [
            {
                "name": "serviceInputPayload",
                "in": "body",
                "required": True,
                "description": "The input payload for executing the real-time machine learning service.",
                "schema": {"$ref": "#/definitions/ServiceInput"},
            }
        ],
        "responses": {
            "200": {
                "description": "The service processed the input correctly "
                "and provided a result prediction, if applicable.",
                "schema": {"$ref": "#/definitions/ServiceOutput"},
            },
            "default": ERROR_RESPONSE,
        },
    }


def _health_operation() -> dict:
    return {
        "operationId": "ServiceHealthCheck",
        "description": "Simple health check endpoint to ensure the service is up at any given point.",
        "produces": ["text/plain"],
        "responses": {
            "200": {
                "description": "If service is up and running, "
                "this response will be returned with the content 'Healthy'",
                "schema": {"type": "string"},
                "examples": {"text/plain": "Healthy"},
            },
            "default": ERROR_RESPONSE,
        },
    }


def _definitions(model: LinearModel) -> dict:
    n = model.n_features
    example_rows = [list(r) for r in model.example_rows] or [[0.0] * n]
    return {
        "ServiceInput": {
            "type": "object",
            "required": ["data"],
            "properties": {
                "data": {
                    "type": "array",
                    "minItems": 1,
                    "description": f"Rows to score; each row holds the {n} features {', '.join(model.feature_names)}.",
                    "items": {
                        "type": "array",
                        "minItems": n,
                        "maxItems": n,
                        "items": {"type": "number", "format": "double"},
                    },
                }
            },
            "example": {"data": example_rows},
        },
        "ServiceOutput": {
            "type": "array",
            "description": "One prediction per input row, in order.",
            "items": {"type": "number", "format": "double"},
            "example": model.predict(example_rows),
        },
        "ErrorResponse": {
            "type": "object",
            "properties": {"status_code": {"type": "integer", "format": "int32"}, "message": {"type": "string"}},
        },
    }


def build(model: LinearModel, service: str, base_path: str, auth_mode: str) -> dict:
    score = _score_operation()
    doc: dict = {
        "swagger": "2.0",
        "info": {
            "title": service,
            "description": f"API specification for the Azure Machine Learning service {service}",
            "version": "1.0",
        },
        "schemes": ["http", "https"],
        "basePath": base_path or "/",
        "consumes": ["application/json"],
        "produces": ["application/json"],
        "paths": {"/": {"get": _health_operation()}, "/score": {"post": score}},
        "definitions": _definitions(model),
    }
    if auth_mode != "none":
        doc["securityDefinitions"] = {
            "Bearer": {
                "type": "apiKey",
                "name": "Authorization",
                "in": "header",
                "description": "For example: Bearer abc123",
            }
        }
        score["security"] = [{"Bearer": []}]
    return doc
