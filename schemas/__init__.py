"""JSON Schemas of the shapes pytest-chimera reads and writes (shipped as package data)."""
