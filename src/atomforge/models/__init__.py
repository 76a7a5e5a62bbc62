"""Models: the learned part of a potential (linear, quadratic, spline MEAM, ...)."""
