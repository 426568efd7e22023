"""Writing a run folder: tables, the per-person table and the manifest.

Every file flowsim writes (tables here, and the figures, report, ensemble and calibration
files of the layers above) goes through :func:`write_atomic`: written in full to a file
without a name (``O_TMPFILE``; a hidden temporary name where the file system has no such
files) and only then given its name by a rename, so a crashed, killed or interrupted run
never leaves a half-written file, nor a temporary one, and a reader never sees one.
:func:`write_run` writes all of a run's tables first and renames them into place together
at the end, so a write that fails midway (a full disk) leaves the earlier run as it was.
A folder being written is locked (:func:`lock_folder`): a second flowsim process that
wants to write there is told so instead of interleaving its files.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import secrets
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from flowsim.errors import OutputError, UserError

if TYPE_CHECKING:  # for annotations only: figures and reports use this module without the model
    import pandas as pd

    from flowsim.kinds.protocol import RunOutput
    from flowsim.scenario.spec import ScenarioSpec

TEMPORARY_SUFFIX = ".tmp"
NAME_MAX = 255  # bytes in one file name (ext4, xfs, btrfs, tmpfs)
PATH_MAX = 4000  # bytes in a whole path (Linux: 4096, with room for the files inside)


def default_out(scenario: ScenarioSpec, *parts: str) -> Path:
    """Where a command writes unless told otherwise: ``outputs/<scenario name>/<parts>``."""
    return Path("outputs") / scenario.name / Path(*parts) if parts else Path("outputs") / scenario.name


def file_mode() -> int:
    """Permissions of a newly created file under the current umask (``mkstemp`` would give 0600)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


@dataclass
class _Staged:
    """A file written in full but not yet in place: an unnamed file (fd) or a hidden temporary one."""

    path: Path
    fd: int | None
    temporary: Path | None

    def discard(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
        if self.temporary is not None:
            Path(self.temporary).unlink(missing_ok=True)
            self.temporary = None


def _cannot_write(path: Path, err: OSError, done: str) -> OutputError:
    reason = {errno.ENOSPC: "the disk is full", errno.EFBIG: "the file is larger than this process may write",
              errno.EDQUOT: "the disk quota is exhausted", errno.EACCES: "permission denied",
              errno.EPERM: "permission denied", errno.EROFS: "the file system is read-only",
              errno.ENAMETOOLONG: "the name is too long for the file system"}.get(err.errno, err.strerror)
    return OutputError(f"cannot write {path}: {reason}. {done} Free some space or choose another --out, "
                       "then run the command again.")


def _stage(path: Path, write: Callable[[Path], None]) -> _Staged:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path.parent, os.O_TMPFILE | os.O_WRONLY, file_mode())
        staged = _Staged(path, fd, None)
        target = Path(f"/proc/self/fd/{fd}")
    except (AttributeError, OSError):  # no unnamed files here: a hidden temporary name
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TEMPORARY_SUFFIX, dir=path.parent)
        os.close(handle)
        os.chmod(temporary, file_mode())
        staged = _Staged(path, None, Path(temporary))
        target = staged.temporary
    try:
        write(target)
    except BaseException:
        staged.discard()
        raise
    return staged


def _commit(staged: _Staged) -> Path:
    if staged.fd is not None:
        temporary = staged.path.parent / f".{staged.path.name}.{secrets.token_hex(4)}{TEMPORARY_SUFFIX}"
        folder = os.open(staged.path.parent, os.O_RDONLY | os.O_DIRECTORY)
        try:  # linkat(AT_SYMLINK_FOLLOW) of /proc/self/fd/N: gives the unnamed file a name
            os.link(f"/proc/self/fd/{staged.fd}", temporary, src_dir_fd=folder, follow_symlinks=True)
        finally:
            os.close(folder)
        os.close(staged.fd)
        staged.fd, staged.temporary = None, temporary
    os.replace(staged.temporary, staged.path)
    staged.temporary = None
    return staged.path


def write_atomic(path: Path, write: Callable[[Path], None]) -> Path:
    """Write a file through ``write(temporary_path)`` and only then give it its name.

    The file gets the permissions of an ordinary new file (the umask's). ``write`` must say
    the format when it matters (the temporary path has no suffix).

    Raises:
        OutputError: the file cannot be written (disk full, permission, file size limit); the
            earlier version of the file, if any, is left as it was.
    """
    path = Path(path)
    try:
        return _commit(_stage(path, write))
    except OSError as err:
        raise _cannot_write(path, err, "The earlier version of the file, if any, was left as it was.") from None


def write_all(files: dict[Path, Callable[[Path], None]]) -> list[Path]:
    """Write several files in full, then put them all in place (in the order given).

    Raises:
        OutputError: one cannot be written; none of them was put in place.
    """
    staged: list[_Staged] = []
    current = None
    try:
        for path, write in files.items():
            current = Path(path)
            staged.append(_stage(current, write))
        done = []
        for item in staged:
            current = item.path
            done.append(_commit(item))
        return done
    except OSError as err:
        raise _cannot_write(current, err, "No file of this run was put in place; the folder keeps its "
                                          "earlier files.") from None
    finally:
        for item in staged:
            item.discard()


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    """A table as CSV with a fixed float format, so equal runs give byte-identical files."""
    return write_atomic(path, _csv_writer(frame))


def _csv_writer(frame: pd.DataFrame) -> Callable[[Path], None]:
    return lambda tmp: frame.to_csv(tmp, index=False, lineterminator="\n")


def write_text(text: str, path: Path) -> Path:
    """A UTF-8 text file."""
    return write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def write_json(data: dict, path: Path) -> Path:
    """A JSON file, keys sorted, indented by 2."""
    return write_atomic(path, _json_writer(data))


def _json_writer(data: dict) -> Callable[[Path], None]:
    return lambda tmp: tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")


def write_run(result: RunOutput, out_dir: Path, *, extra_meta: dict | None = None,
              extra_tables: dict[str, pd.DataFrame] | None = None, figures_follow: bool = False) -> list[Path]:
    """Write every table of a run and then its manifest, all put in place together at the end.

    ``extra_tables`` (e.g. the run's ``validation``) are written with the run's own tables.
    The manifest says what the folder holds: ``status`` is ``complete``, or, when
    ``figures_follow``, ``figures pending`` until :func:`record_finished` notes the figures
    and the report (a run killed while drawing leaves a folder that says so).

    Raises:
        OutputError: a file cannot be written; the folder keeps its earlier files.
    """
    out_dir = Path(out_dir)
    tables = {**result.tables(), **(extra_tables or {})}
    files: dict[Path, Callable[[Path], None]] = {out_dir / f"{name}.csv": _csv_writer(frame)
                                                 for name, frame in tables.items()}
    agents = getattr(result, "agents", None)  # one row per person, when the run kept them
    if agents is not None:
        files[out_dir / "agents.parquet"] = lambda tmp: agents.to_parquet(tmp, index=False)
    manifest = {**result.meta, **(extra_meta or {}), "files": sorted(p.name for p in files),
                "rows": {f"{name}.csv": len(frame) for name, frame in tables.items()},
                "status": "figures pending" if figures_follow else "complete",
                "finished": {"tables": True, "figures": [], "report": False}}
    files[out_dir / "manifest.json"] = _json_writer(manifest)
    return write_all(files)


def record_finished(out_dir: Path, *, figures: list[Path], report: bool) -> None:
    """Note in a run folder's manifest that its figures (and report) are drawn: status ``complete``.

    The manifest is ``manifest.json`` (``meta.json`` in a network run's folder). A folder without
    one (an ensemble's, or one from an older flowsim) is left alone.
    """
    path = Path(out_dir) / "manifest.json"
    if not path.exists() and (Path(out_dir) / "meta.json").exists():
        path = Path(out_dir) / "meta.json"
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    if not isinstance(manifest, dict) or manifest.get("kind") == "ensemble":
        return
    manifest["finished"] = {"tables": True, "figures": sorted(Path(p).name for p in figures), "report": report}
    manifest["status"] = "complete" if report else "report pending"
    write_atomic(path, _json_writer(manifest))


# --------------------------------------------------------------------------- output folders


def check_out_folder(out: Path, *, option: str = "--out") -> Path:
    """Refuse, before any work starts, an output folder that cannot be created or written.

    Raises:
        UserError: a file is in the way, a name is too long for the file system, or the folder
            (or the nearest existing one above it) is not writable.
    """
    out = Path(out)
    for part in out.parts:
        if len(os.fsencode(part)) > NAME_MAX:
            raise UserError(f"{option} {out}: the name '{part[:40]}…' is {len(os.fsencode(part))} bytes long, too "
                            f"long for the file system (at most {NAME_MAX}). Choose a shorter name.")
    if len(os.fsencode(str(out.absolute()))) > PATH_MAX:
        raise UserError(f"{option} {out}: the path is too long for the file system (at most {PATH_MAX} bytes).")
    probe = out
    while not probe.exists() and not probe.is_symlink():
        if probe.parent == probe:
            break
        probe = probe.parent
    if not probe.is_dir():
        raise UserError(f"{option} {out}: '{probe}' is a file, not a folder. Give a folder for the output.")
    try:
        if probe == out:
            _probe_file(probe)
        else:
            os.rmdir(tempfile.mkdtemp(prefix=".flowsim-probe-", dir=probe))
    except OSError as err:
        what = "the folder" if probe == out else f"the folder above it, {probe},"
        raise UserError(f"{option} {out}: {what} cannot be written ({err.strerror}). Choose a folder you "
                        "can write to.") from None
    return out


def _probe_file(folder: Path) -> None:
    """Create and drop a file in ``folder`` (an unnamed one where the file system allows)."""
    try:
        os.close(os.open(folder, os.O_TMPFILE | os.O_WRONLY, 0o600))
    except (AttributeError, OSError) as err:
        if isinstance(err, OSError) and err.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            raise
        tempfile.TemporaryFile(dir=folder).close()


@contextlib.contextmanager
def lock_folder(out: Path, *, option: str = "--out") -> Iterator[Path]:
    """Hold an exclusive lock on an output folder (created if needed) while writing into it.

    The lock is the folder's own (``flock`` on it), so it leaves no file behind and is
    released when the process ends, however it ends. Temporary files left by a process
    killed at the instant of a rename are removed.

    Raises:
        UserError: another flowsim process is writing to the folder.
    """
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
        fd = os.open(out, os.O_RDONLY | os.O_DIRECTORY)
    except OSError as err:
        raise UserError(f"{option} {out}: cannot create or open the folder ({err.strerror}).") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UserError(f"{option} {out}: another flowsim process is writing to this folder. Wait for it to "
                            "finish, or choose another --out.") from None
        for stray in [*out.glob(f".*{TEMPORARY_SUFFIX}"), *out.glob(f"*/.*{TEMPORARY_SUFFIX}")]:
            with contextlib.suppress(OSError):
                stray.unlink()
        yield out
    finally:
        os.close(fd)
