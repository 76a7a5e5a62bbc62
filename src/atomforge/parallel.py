"""Map a function over the frames of a data set: serially, on a local process pool, or on Dask.

The choice is made in one place, :func:`map_frames`, by ``executor``:

- ``"serial"``: in this process, one frame after another;
- ``"process"``: a local pool of ``n_workers`` processes (started by ``forkserver``, so numba's
  threads in this process are never forked; the server imports numpy and ASE once);
- ``"dask"``: a ``dask.distributed`` cluster, given by its scheduler ``address``
  (``"tcp://host:8786"``) or an existing ``distributed.Client``; without an address, a
  ``LocalCluster`` of ``n_workers`` processes is started for the call and closed after it.

Results come back in the order of the frames, whatever the executor, with a progress bar.
Frames are sent in chunks (about four per worker) to keep the overhead per frame small.
"""

from __future__ import annotations

import functools
import multiprocessing
import os
from collections.abc import Callable, Sequence

from .errors import ConfigError

EXECUTORS = ("serial", "process", "dask")
# Third-party only: Python 3.11's forkserver imports these before applying the parent's sys.path.
_PRELOAD = ["numpy", "scipy.spatial", "ase", "ase.io", "vesin", "h5py"]


def map_frames(func: Callable, frames: Sequence, *, executor: str = "serial",
               n_workers: int | None = None, address=None, progress: bool = True,
               description: str = "frames") -> list:
    """``[func(frame) for frame in frames]``, computed by the chosen executor.

    Parameters
    ----------
    func : callable
        Takes one frame; must be picklable for ``"process"`` and ``"dask"`` (a module-level
        function, or ``functools.partial`` of one).
    frames : sequence of Frame (a Dataset, a list)
    executor : {"serial", "process", "dask"}
    n_workers : int, optional
        Processes of the local pool or of the temporary ``LocalCluster``; default: CPU count.
    address : str or distributed.Client, optional
        Dask scheduler (``"dask"`` only).
    progress : bool
        Show a progress bar (rich) on the terminal.
    description : str
        Label of the progress bar.
    """
    if executor not in EXECUTORS:
        raise ConfigError(f"map_frames: unknown executor {executor!r}; known: {list(EXECUTORS)}")
    if address is not None and executor != "dask":
        raise ConfigError(f"map_frames: address= is for executor='dask', not {executor!r}")
    if n_workers is not None and (not isinstance(n_workers, int) or n_workers < 1):
        raise ConfigError(f"map_frames: n_workers must be a positive integer, got {n_workers!r}")
    frames = list(frames)
    n_workers = n_workers or os.cpu_count() or 1
    with _progress_bar(len(frames), description, progress) as advance:
        if executor == "serial" or not frames:
            results = []
            for frame in frames:
                results.append(func(frame))
                advance(1)
            return results
        chunks = _chunks(len(frames), n_workers)
        work = functools.partial(_apply, func)
        batches = [[frames[k] for k in chunk] for chunk in chunks]
        if executor == "process":
            out = _run_pool(work, batches, n_workers, advance)
        else:
            out = _run_dask(work, batches, n_workers, address, advance)
    return [r for batch in out for r in batch]


def _apply(func, frames):
    return [func(f) for f in frames]


def _chunks(n: int, n_workers: int) -> list[range]:
    size = max(1, -(-n // (4 * n_workers)))
    return [range(a, min(a + size, n)) for a in range(0, n, size)]


def _run_pool(work, batches, n_workers, advance) -> list:
    from concurrent.futures import ProcessPoolExecutor, as_completed

    ctx = multiprocessing.get_context("forkserver")
    # the server imports these once; every worker is forked from it with them loaded
    ctx.set_forkserver_preload(_PRELOAD)
    pool = ProcessPoolExecutor(max_workers=n_workers, mp_context=ctx)
    try:
        futures = {pool.submit(work, b): k for k, b in enumerate(batches)}
        out = [None] * len(batches)
        for fut in as_completed(futures):
            out[futures[fut]] = fut.result()
            advance(len(out[futures[fut]]))
        return out
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _run_dask(work, batches, n_workers, address, advance) -> list:
    from distributed import Client, LocalCluster, as_completed

    own_cluster = None
    if isinstance(address, Client):
        client = address
    elif address is None:
        own_cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                                   dashboard_address=None)
        client = Client(own_cluster)
    else:
        client = Client(address)
    try:
        futures = client.map(work, batches, pure=False)
        index = {f.key: k for k, f in enumerate(futures)}
        out = [None] * len(batches)
        try:
            for fut in as_completed(futures):
                out[index[fut.key]] = fut.result()
                advance(len(out[index[fut.key]]))
        except BaseException:
            client.cancel(futures)
            raise
        return out
    finally:
        if client is not address:
            client.close()
        if own_cluster is not None:
            own_cluster.close()


class _progress_bar:
    """Context manager yielding ``advance(n)``; a rich progress bar when enabled."""

    def __init__(self, total: int, description: str, enabled: bool):
        self.total, self.description, self.enabled = total, description, enabled
        self._progress = None

    def __enter__(self):
        if not self.enabled:
            return lambda n: None
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                                   TimeElapsedColumn, TimeRemainingColumn)

        self._progress = Progress(TextColumn("{task.description}"), BarColumn(),
                                  MofNCompleteColumn(), TimeElapsedColumn(),
                                  TimeRemainingColumn(), transient=True)
        self._progress.start()
        task = self._progress.add_task(self.description, total=self.total)
        return lambda n: self._progress.advance(task, n)

    def __exit__(self, *exc):
        if self._progress is not None:
            self._progress.stop()
        return False


def compute_descriptors(descriptor, dataset, *, gradients: bool = False, executor: str = "serial",
                        n_workers: int | None = None, address=None, progress: bool = True,
                        cache=None) -> list:
    """Descriptors of every frame of ``dataset``, as a list of ``DescriptorOutput``.

    Parameters
    ----------
    descriptor : Descriptor
    dataset : Dataset or sequence of Frame
    gradients : bool
        Also compute the sparse gradients ∂B_i/∂r_j.
    executor, n_workers, address, progress
        As in :func:`map_frames`.
    cache : path-like, optional
        HDF5 file (:mod:`atomforge.descriptors.cache`): frames found there are loaded, not
        recomputed; the others are computed chunk by chunk and added, so an interrupted run
        resumes where it stopped. A cache written for another descriptor setting or other
        frames is refused with :class:`~atomforge.errors.CacheError`.
    """
    compute = functools.partial(_compute_one, descriptor, gradients)
    if cache is None:
        return map_frames(compute, dataset, executor=executor, n_workers=n_workers,
                          address=address, progress=progress, description=descriptor.name)
    from .descriptors.cache import DescriptorCache

    store = DescriptorCache(cache, descriptor, dataset, gradients=gradients)
    missing = store.missing()
    if executor == "dask" and address is None and missing:
        from distributed import Client, LocalCluster

        with LocalCluster(n_workers=n_workers or os.cpu_count() or 1, threads_per_worker=1,
                          processes=True, dashboard_address=None) as cluster, \
                Client(cluster) as client:
            return compute_descriptors(descriptor, dataset, gradients=gradients,
                                       executor=executor, address=client, progress=progress,
                                       cache=cache)
    step = max(1, 4 * (n_workers or os.cpu_count() or 1))
    for start in range(0, len(missing), step):  # a checkpoint after each step
        chunk = missing[start:start + step]
        outputs = map_frames(compute, [dataset[k] for k in chunk], executor=executor,
                             n_workers=n_workers, address=address, progress=progress,
                             description=f"{descriptor.name} {start + len(chunk)}/{len(missing)}")
        store.add(dict(zip(chunk, outputs)))
    return store.finish()


def _compute_one(descriptor, gradients, frame):
    return descriptor.compute(frame, gradients=gradients)
