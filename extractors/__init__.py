"""Extractors: one module per source kind, each returning the same Document model."""
