"""Conformance harness: builds and runs the sample clients against the stub and checks what they send."""
