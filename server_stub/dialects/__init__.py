"""The dialects the stub speaks, one module each, and the one seam they share.

Each module has ``register(stub, router)``: it adds its routes to the
router, claims the path prefix that names a service (for the journal) and
adds any reset hook for its own per-service state.  The application calls
every function in ``DIALECTS`` and knows nothing else of them; no dialect
imports the application.  Adding a dialect is a module and a line here.
"""

from . import azureml, classic_bes, classic_rrs, mlflow, modelarts, oip, tfserving

DIALECTS = (
    azureml.register,
    modelarts.register,
    classic_rrs.register,
    classic_bes.register,
    oip.register,
    tfserving.register,
    mlflow.register,
)
