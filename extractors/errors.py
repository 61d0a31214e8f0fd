"""Errors an extractor raises for input it cannot read; the pipeline records them as failures."""


class ExtractionError(Exception):
    """The file cannot be read as the kind it claims to be; the message says why, for a person."""
