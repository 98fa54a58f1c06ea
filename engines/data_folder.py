"""The server-side data folder: files too large to upload, opened by name from one folder.

Off by default. The administrator turns it on by pointing ``SYNTHLENS_DATA_DIR`` at a folder;
users then pick ``.parquet`` and ``.csv`` files listed from it (subfolders included). Only the
roles in ``SYNTHLENS_DATA_ROLES`` (comma-separated, default ``approver,admin``) may open them.

A name is data, never a path to follow blindly: :func:`resolve` refuses absolute names, ``..``
components, NUL bytes, symbolic links (of the file or of a folder on its way) that lead out of
the folder, anything that is not a regular file and anything :func:`list_files` does not list.
Pure: no Streamlit.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath

DIR_ENV = "SYNTHLENS_DATA_DIR"
ROLES_ENV = "SYNTHLENS_DATA_ROLES"
DEFAULT_ROLES = ("approver", "admin")
SUFFIXES = (".parquet", ".csv")
MAX_FILES = 5000  # a listing stops here: a selectbox of more helps nobody


class DataFolderError(ValueError):
    """A data-folder name or folder that cannot be used; the message says why."""


@dataclass(frozen=True)
class DataFile:
    """One listed file: its name relative to the folder (``/``-separated), size and mtime."""

    name: str
    size: int
    modified_ns: int

    @property
    def modified(self) -> float:
        """Modification time in seconds since the epoch."""
        return self.modified_ns / 1e9

    @property
    def size_text(self) -> str:
        """``1.2 GB``, ``35.0 MB``, ``812 KB``, ``90 bytes``."""
        for unit, scale in (("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
            if self.size >= scale:
                return f"{self.size / scale:,.1f} {unit}"
        return f"{self.size} bytes"


def root(env: Mapping[str, str] | None = None) -> Path | None:
    """The configured folder (``SYNTHLENS_DATA_DIR``), or None when the feature is off."""
    value = (os.environ if env is None else env).get(DIR_ENV, "").strip()
    return Path(value) if value else None


def allowed_roles(env: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """Roles that may open files from the folder (``SYNTHLENS_DATA_ROLES``)."""
    value = (os.environ if env is None else env).get(ROLES_ENV, "")
    roles = tuple(dict.fromkeys(r.strip().lower() for r in value.split(",") if r.strip()))
    return roles or DEFAULT_ROLES


def allowed(role: str | None, env: Mapping[str, str] | None = None) -> bool:
    """Whether a user with ``role`` (None: no role) may open files from the folder."""
    return role is not None and role.strip().lower() in allowed_roles(env)


def _real_root(folder: Path | str) -> Path:
    try:
        found = Path(folder).resolve(strict=True)
    except (OSError, RuntimeError) as exc:
        raise DataFolderError(f"The data folder '{folder}' cannot be opened: {exc}.") from None
    if not found.is_dir():
        raise DataFolderError(f"The data folder '{folder}' is not a folder.")
    return found


def _regular(path: Path) -> os.stat_result | None:
    """The stat of ``path`` (links followed) when it is a regular file, else None."""
    try:
        info = path.stat()
    except OSError:
        return None
    return info if stat.S_ISREG(info.st_mode) else None


def list_files(folder: Path | str) -> list[DataFile]:
    """The ``.parquet`` and ``.csv`` regular files in ``folder`` and its subfolders, by name.

    Hidden files and folders (a name starting with ``.``) are skipped, symbolic links to folders
    are not followed, and a link to a file counts only when it stays inside the folder. At most
    :data:`MAX_FILES` entries.
    """
    base = _real_root(folder)
    found: list[DataFile] = []
    for current, dirs, files in os.walk(base, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for file_name in sorted(files):
            if file_name.startswith(".") or not file_name.lower().endswith(SUFFIXES):
                continue
            path = Path(current, file_name)
            try:
                if not path.resolve(strict=True).is_relative_to(base):
                    continue
            except (OSError, RuntimeError):
                continue  # a broken or looping link
            info = _regular(path)
            if info is None:
                continue
            name = path.relative_to(base).as_posix()
            found.append(DataFile(name, info.st_size, info.st_mtime_ns))
            if len(found) >= MAX_FILES:
                return sorted(found, key=lambda f: f.name)
    return sorted(found, key=lambda f: f.name)


def _check_name(name: object) -> str:
    if not isinstance(name, str) or not name.strip():
        raise DataFolderError("Choose a file from the data folder.")
    if "\0" in name:
        raise DataFolderError("A file name with a NUL byte is refused.")
    if (
        name.startswith(("/", "\\", "~"))
        or PurePosixPath(name).is_absolute()
        or PureWindowsPath(name).is_absolute()
        or PureWindowsPath(name).drive
    ):
        raise DataFolderError(
            f"'{name}' is an absolute path: only names inside the data folder can be opened."
        )
    if ".." in name.replace("\\", "/").split("/"):
        raise DataFolderError(f"'{name}' climbs out of the data folder with '..': refused.")
    return name


def resolve(folder: Path | str, name: str) -> Path:
    """The real path of the listed file ``name`` inside ``folder``.

    Raises
    ------
    DataFolderError
        When the name is absolute, has a ``..`` component or a NUL byte, leads out of the folder
        through a symbolic link (of the file or of a folder on its way), is not a regular file,
        or is not one :func:`list_files` lists.
    """
    name = _check_name(name)
    base = _real_root(folder)
    path = base / name
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError):
        raise DataFolderError(f"'{name}' is not in the data folder.") from None
    if not target.is_relative_to(base):
        raise DataFolderError(f"'{name}' links to a place outside the data folder: refused.")
    on_the_way = base
    for part in PurePosixPath(name).parts[:-1]:
        on_the_way = on_the_way / part
        if on_the_way.is_symlink():
            # A linked folder (even one that stays inside) is not listed, so not opened.
            raise DataFolderError(f"'{name}' is reached through a linked folder: refused.")
    if _regular(target) is None:
        raise DataFolderError(f"'{name}' is not a regular file: refused.")
    if not target.name.lower().endswith(SUFFIXES) or not name.lower().endswith(SUFFIXES):
        raise DataFolderError(f"'{name}' is not a .parquet or .csv file.")
    if name not in {f.name for f in list_files(base)}:
        raise DataFolderError(f"'{name}' is not one of the files listed in the data folder.")
    return target
