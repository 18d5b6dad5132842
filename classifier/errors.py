"""The classifier's errors, importable without loading scikit-learn."""


class ModelFileError(RuntimeError):
    """The model file is missing, unreadable or not one of ours."""
