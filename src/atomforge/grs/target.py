"""The GRS target: the per-atom descriptor distribution of one or many structures, with its moments.

Moments are taken per center element e and per feature k over all atoms of element e, pooled
over the structures: the mean μ1 and the central moments μ_p = ⟨(B − μ1)^p⟩ for p = 2, 3, 4
(population moments, 1/N). Variance, skewness and kurtosis follow as μ2, μ3/μ2^{3/2}, μ4/μ2².
A target keeps (a random subsample of) the per-atom values too, for PCA, hulls and densities, and
optionally a per-feature ``scale``: the spread of each feature over a reference distribution (e.g.
random candidates of the search), the unit of the loss where the target's own spread is no unit
(a perfect crystal has none; see :mod:`.loss`).

Files are one NumPy ``.npz`` (no pickle) with a JSON header, written atomically.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from ase.data import atomic_numbers

from ..errors import ConfigError
from ..fileio import write_atomically
from ..neighbors import neighbor_list

FORMAT_VERSION = 2  # 2: optional per-feature scale
ORDERS = (1, 2, 3, 4)


def central_moments(values: np.ndarray) -> np.ndarray:
    """Mean and central moments μ2, μ3, μ4 of ``values`` (n, K) over rows → (4, K); zeros if n = 0."""
    if len(values) == 0:
        return np.zeros((4, values.shape[1]))
    mean = values.mean(axis=0)
    d = values - mean
    d2 = d * d  # products, not float powers: several times faster
    return np.stack([mean, d2.mean(0), (d2 * d).mean(0), (d2 * d2).mean(0)])


def shortest_distance(structures, cutoff: float) -> float:
    """Shortest interatomic distance (Å) over ``structures`` (ase.Atoms), looked for within ``cutoff``;
    0 if no pair is that close."""
    near = [d[d > 0].min() for a in structures if np.any((d := neighbor_list(a, cutoff).distances) > 0)]
    return float(min(near, default=0.0))


@dataclass
class Target:
    """Per-element moments of a descriptor distribution.

    Attributes
    ----------
    descriptor : dict
        Spec of the descriptor (``{"name": ..., **hyperparameters}``).
    elements : list of str
        Element order of the arrays below.
    moments : ndarray, shape (n_elements, 4, n_features)
        μ1 (mean), μ2, μ3, μ4 per element and feature.
    counts : ndarray, shape (n_elements,), int64
        Atoms of each element in the target.
    values : ndarray, shape (n_samples, n_features)
        Per-atom descriptor values (all of them, or a random subsample).
    numbers : ndarray, shape (n_samples,), int64
        Atomic numbers of those rows.
    n_structures : int
    density : float
        Atoms per Å³ (mean over the periodic structures; 0 if none).
    shortest : float
        Shortest interatomic distance over the structures, Å (within the descriptor's cutoff;
        0 if unknown): :meth:`.RepulsiveCore.clear_of` keeps the core below it.
    scale : ndarray, shape (n_features,), or None
        Spread (standard deviation) of each feature over a reference distribution, pooled over
        elements (:meth:`with_scale`); None: the loss uses the target's own spread.
    """

    descriptor: dict
    elements: list[str]
    moments: np.ndarray
    counts: np.ndarray
    values: np.ndarray
    numbers: np.ndarray
    n_structures: int = 1
    density: float = 0.0
    shortest: float = 0.0
    info: dict = field(default_factory=dict)
    scale: np.ndarray | None = None

    @property
    def n_features(self) -> int:
        return self.moments.shape[2]

    @property
    def composition(self) -> np.ndarray:
        """Atom fractions, shape (n_elements,)."""
        return self.counts / max(1, self.counts.sum())

    def summary(self) -> dict:
        """Variance, skewness and kurtosis per element, as nested lists (for JSON reports)."""
        out = {}
        for e, s in enumerate(self.elements):
            m1, m2, m3, m4 = self.moments[e]
            safe = np.where(m2 > 1e-300, m2, np.nan)
            out[s] = {"count": int(self.counts[e]), "mean": m1.tolist(), "variance": m2.tolist(),
                      "skewness": np.nan_to_num(m3 / safe ** 1.5).tolist(),
                      "kurtosis": np.nan_to_num(m4 / safe ** 2).tolist()}
        return out

    # -- building ---------------------------------------------------------------------------
    @classmethod
    def from_outputs(cls, descriptor_spec: dict, elements: list[str], outputs, *,
                     densities=(), shortest: float = 0.0, max_samples: int | None = 20000,
                     seed: int = 0) -> "Target":
        """Target from descriptor outputs (``values``, ``numbers``) of one or many structures."""
        values = np.concatenate([o.values for o in outputs])
        numbers = np.concatenate([np.asarray(o.numbers, dtype=np.int64) for o in outputs])
        z = [atomic_numbers[s] for s in elements]
        unknown = sorted(set(numbers.tolist()) - set(z))
        if unknown:
            raise ConfigError(f"GRS target: atomic numbers {unknown} not in elements {elements}")
        moments = np.stack([central_moments(values[numbers == zz]) for zz in z])
        counts = np.array([(numbers == zz).sum() for zz in z], dtype=np.int64)
        keep = np.arange(len(values))
        if max_samples is not None and len(values) > max_samples:
            keep = np.sort(np.random.default_rng(seed).choice(len(values), max_samples, replace=False))
        dens = [d for d in densities if d > 0]
        return cls(dict(descriptor_spec), list(elements), moments, counts, values[keep], numbers[keep],
                   n_structures=len(outputs), density=float(np.mean(dens)) if dens else 0.0,
                   shortest=float(shortest))

    @classmethod
    def from_structures(cls, descriptor, structures, *, max_samples: int | None = 20000,
                        seed: int = 0) -> "Target":
        """Compute the descriptors of ``structures`` (ase.Atoms or Frames) and build the target."""
        from ..descriptors.base import as_frame

        frames = [as_frame(s) for s in structures]
        outputs = [descriptor.compute(f) for f in frames]
        dens = [len(f.atoms) / f.atoms.get_volume() for f in frames if f.atoms.pbc.all()]
        spec = {"name": descriptor.name, **descriptor.to_dict()}
        return cls.from_outputs(spec, list(descriptor.elements), outputs, densities=dens,
                                shortest=shortest_distance([f.atoms for f in frames], descriptor.cutoff), max_samples=max_samples, seed=seed)

    def with_scale(self, reference_values: np.ndarray) -> "Target":
        """A copy whose ``scale`` is the standard deviation of each feature over the per-atom
        ``reference_values`` (n, n_features), all elements pooled."""
        reference_values = np.asarray(reference_values, dtype=float)
        if reference_values.ndim != 2 or reference_values.shape[1] != self.n_features or len(reference_values) < 2:
            raise ConfigError(f"GRS target scale: need per-atom values of shape (n ≥ 2, {self.n_features}), "
                              f"got {reference_values.shape}")
        return replace(self, scale=reference_values.std(axis=0))

    def digest(self) -> str:
        """SHA-256 of the target's content (header and arrays), independent of file timestamps."""
        import hashlib

        h = hashlib.sha256(json.dumps([self.descriptor, self.elements, self.n_structures, self.density],
                                      sort_keys=True).encode())
        for a in (self.moments, self.counts, self.values, self.numbers):
            h.update(np.ascontiguousarray(a).tobytes())
        if self.scale is not None:
            h.update(b"scale" + np.ascontiguousarray(self.scale).tobytes())
        return h.hexdigest()

    # -- files ------------------------------------------------------------------------------
    def save(self, path) -> Path:
        """Write ``path`` (.npz with a JSON header; no pickle), atomically."""
        path = Path(path)
        header = {"format": "atomforge-grs-target", "version": FORMAT_VERSION, "descriptor": self.descriptor,
                  "elements": self.elements, "n_structures": self.n_structures, "density": self.density,
                  "shortest": self.shortest, "info": self.info}
        arrays = {"header": np.array(json.dumps(header)), "moments": self.moments, "counts": self.counts,
                  "values": self.values, "numbers": self.numbers}
        if self.scale is not None:
            arrays["scale"] = self.scale
        write_atomically(path, lambda f: np.savez(f, **arrays))
        return path

    @classmethod
    def load(cls, path) -> "Target":
        """Read a file written by :meth:`save`; refuses other files and newer versions."""
        path = Path(path)
        try:
            with np.load(path, allow_pickle=False) as data:
                header = json.loads(str(data["header"]))
                arrays = {k: data[k] for k in ("moments", "counts", "values", "numbers")}
                scale = data["scale"] if "scale" in data.files else None
        except (OSError, KeyError, ValueError) as err:
            raise ConfigError(f"{path}: not a GRS target file ({err})") from None
        if header.get("format") != "atomforge-grs-target" or header.get("version", 0) > FORMAT_VERSION:
            raise ConfigError(f"{path}: GRS target format {header.get('format')!r} version "
                              f"{header.get('version')!r} is not readable (this atomforge reads version "
                              f"{FORMAT_VERSION})")
        return cls(header["descriptor"], header["elements"], arrays["moments"],
                   arrays["counts"].astype(np.int64), arrays["values"], arrays["numbers"].astype(np.int64),
                   n_structures=int(header["n_structures"]), density=float(header["density"]),
                   shortest=float(header.get("shortest", 0.0)), info=header.get("info", {}), scale=scale)
