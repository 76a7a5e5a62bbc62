"""Every registered descriptor and model passes the conformance checks of ``tests/conformance.py``.

Each entry of ``DESCRIPTORS`` is checked with its default hyperparameters for Ni and Al; ``VARIANTS``
adds settings that take other code paths. Each entry of ``MODELS`` is fitted through its trainer to
a few EMT NiAl frames (``MODEL_SETTINGS`` may make a model's training cheaper) and checked, with the
descriptor potential it makes. Nothing here needs editing for a new descriptor or model.
"""

from __future__ import annotations

import pytest

from atomforge.descriptors import DESCRIPTORS, make_descriptor
from atomforge.errors import ConfigError
from atomforge.models import MODELS
from conformance import (DESCRIPTOR_CHECKS, ELEMENTS, MODEL_CHECKS, check_potential_file_round_trip,
                         fitted_potential)

# other code paths of registered descriptors: id → (name, hyperparameters besides elements)
VARIANTS = {
    "snap-2J3-quadratic-bzero": ("snap", dict(twojmax=3, rcutfac=3.9, radii=[0.5, 0.42], weights=[1.0, 0.63],
                                             switchflag=0, bzeroflag=1, quadratic=True, rmin0=0.2)),
}
# model name → hyperparameters that keep its conformance fit cheap (defaults otherwise)
MODEL_SETTINGS: dict[str, dict] = {"nn": {"hidden_layers": [8]}}

CASES = {name: (name, {}) for name in DESCRIPTORS} | VARIANTS
_built: dict = {}


def _descriptor(case: str):
    if case not in _built:
        name, spec = CASES[case]
        _built[case] = DESCRIPTORS[name](elements=ELEMENTS, **spec)
    return _built[case]


@pytest.mark.parametrize("check", DESCRIPTOR_CHECKS, ids=lambda c: c.__name__.removeprefix("check_"))
@pytest.mark.parametrize("case", list(CASES))
def test_descriptor_conformance(case, check):
    check(_descriptor(case))


def test_unknown_descriptor_name_lists_the_known_ones():
    with pytest.raises(ConfigError, match="'nope'.*" + ".*".join(sorted(DESCRIPTORS))):
        make_descriptor({"name": "nope"})


@pytest.fixture(scope="module", params=sorted(MODELS))
def potential(request):
    return fitted_potential({"name": request.param, **MODEL_SETTINGS.get(request.param, {})})


@pytest.mark.parametrize("check", MODEL_CHECKS, ids=lambda c: c.__name__.removeprefix("check_"))
def test_model_conformance(potential, check):
    check(potential)


def test_potential_file_round_trip(potential, tmp_path):
    check_potential_file_round_trip(potential, tmp_path)
