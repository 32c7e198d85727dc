"""Forms, one module per feature."""
