"""Spline MEAM fitted whole: structure vectors (:mod:`.structure_vectors`), training sets
(:mod:`.data`), CMA-ES with restarts and a Levenberg–Marquardt polish (:mod:`.cmaes`), selection
among several starts (:mod:`.select`), and the ``atomforge fit`` trainer (:mod:`.trainer`)."""
