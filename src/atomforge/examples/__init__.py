"""Built-in example data sets."""
