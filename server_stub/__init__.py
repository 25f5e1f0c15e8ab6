"""A recording stand-in for an Azure Machine Learning scoring web service."""

from .server import running
from .state import Stub, StubConfig

__all__ = ["Stub", "StubConfig", "running"]
