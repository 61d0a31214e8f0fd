"""Accuracy and speed of the pipeline on the generated fixtures, beside plain table extractors."""
