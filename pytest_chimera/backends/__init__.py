"""Backends: one Protocol (base.py), one module per implementation."""
