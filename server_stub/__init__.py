"""A recording stand-in for an Azure Machine Learning scoring web service."""

from .app import Stub, StubConfig
from .server import running

__all__ = ["Stub", "StubConfig", "running"]
