"""Fit configuration: validation errors name the key, suggest the nearest one and list the allowed ones."""

import numpy as np
import pytest

from atomforge.errors import ConfigError
from atomforge.fitting.config import parse_config
from atomforge.fitting.weights import FitWeights

BASE = {"data": {"train": [{"path": "x.xyz"}]}, "descriptor": {"twojmax": 6, "rcutfac": 4.6}}


def _with(section, **kv):
    raw = {k: (dict(v) if isinstance(v, dict) else v) for k, v in BASE.items()}
    raw.setdefault(section, {}).update(kv)
    return raw


def test_misspelled_nested_key_is_named_with_suggestion():
    with pytest.raises(ConfigError, match=r"unknown key 'descriptor.rfac'. Did you mean 'rfac0'\? "
                                          r"Allowed keys here: name, twojmax, rcutfac, rfac0"):
        parse_config(_with("descriptor", rfac=0.9))


def test_misspelled_top_level_and_list_item_keys():
    raw = dict(BASE, wieghts={"energy": 1})
    raw["data"] = {"train": [{"path": "x", "fromat": "ase"}]}
    with pytest.raises(ConfigError) as info:
        parse_config(raw, "my.yaml")
    msg = str(info.value)
    assert msg.startswith("my.yaml: ")
    assert "unknown key 'wieghts'. Did you mean 'weights'?" in msg
    assert "unknown key 'data.train.0.fromat'. Did you mean 'format'?" in msg


def test_bad_values_and_defaults():
    with pytest.raises(ConfigError, match="weights.force"):
        parse_config(_with("weights", force=-1))
    cfg = parse_config(BASE)
    assert cfg.model.name == "linear" and cfg.weights.stress == 0.0 and cfg.descriptor.rfac0 == 0.99363


def test_group_weights_per_kind():
    w = FitWeights(energy=10, force=2, stress=0.5, groups={"Surface": {"energy": 3}, "md": 0.5})
    assert w.row_weights(np.array([0, 1, 2]), "Surface").tolist() == [30, 2, 0.5]
    assert w.row_weights(np.array([0, 1, 2]), "md", 2.0).tolist() == [10, 2, 0.5]
    with pytest.raises(ConfigError, match="unknown kind"):
        FitWeights(groups={"a": {"enrgy": 1}})
