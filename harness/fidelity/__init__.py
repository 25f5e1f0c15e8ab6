"""Fidelity: the stub against the real servers it imitates (``python -m harness fidelity``).

``probes.py`` loads the probe catalogues (``<protocol>.toml``) and sends
probes; ``compare.py`` compares answers field by field and reads the
deliberate differences (``differences.toml``); ``command.py`` runs both
servers, prints the table and decides the exit status.
"""
