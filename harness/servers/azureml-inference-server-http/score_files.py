"""Entry script for azureml-inference-server-http: a scoring script that reads the raw request.

What the documentation's binary-data tip describes (``@rawhttp``): the Flask
request as it arrived.  Raw bytes (``application/octet-stream``) are answered
with their size and SHA-256; a form upload with the file field ``images`` with
the field, file name, type, size and SHA-256; anything else is a 400 with a
``message``, as the stub's binary and multipart services answer.
"""

import hashlib

from azureml_inference_server_http.api.aml_request import rawhttp
from azureml_inference_server_http.api.aml_response import AMLResponse

FIELD = "images"


def init():
    pass


@rawhttp
def run(request):
    if request.method != "POST":
        return AMLResponse({"message": "POST the file"}, 405)
    if request.mimetype == "multipart/form-data":
        upload = request.files.get(FIELD)
        if upload is None:
            return AMLResponse({"message": f"no file field {FIELD!r} in the form"}, 400)
        data = upload.read()
        return {
            "field": FIELD,
            "filename": upload.filename,
            "content_type": upload.mimetype,
            "size": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
        }
    if request.mimetype != "application/octet-stream":
        return AMLResponse({"message": "send application/octet-stream or a multipart/form-data upload"}, 415)
    data = request.get_data()
    if not data:
        return AMLResponse({"message": "empty body: send the file's bytes"}, 400)
    return {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
