"""The server-side data folder: only listed regular files inside it open, whatever the name."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from engines import data_folder as df
from engines.data_folder import DataFolderError


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "data"
    (root / "sub").mkdir(parents=True)
    (root / "real.parquet").write_bytes(b"PAR1....PAR1")
    (root / "syn.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    (root / "sub" / "holdout.CSV").write_text("a,b\n3,4\n", encoding="utf-8")
    (root / "notes.txt").write_text("not data", encoding="utf-8")
    (root / ".hidden.csv").write_text("a\n1\n", encoding="utf-8")
    outside = tmp_path / "secret"
    outside.mkdir()
    (outside / "passwords.csv").write_text("user,password\nroot,hunter2\n", encoding="utf-8")
    return root


def names(root: Path) -> list[str]:
    return [f.name for f in df.list_files(root)]


def test_lists_parquet_and_csv_with_sizes_including_subfolders(folder):
    files = df.list_files(folder)
    assert [f.name for f in files] == ["real.parquet", "sub/holdout.CSV", "syn.csv"]
    assert files[2].size == len("a,b\n1,2\n") and files[2].modified > 0
    assert files[2].size_text == "8 bytes"
    assert df.DataFile("x.csv", 2_500_000, 0).size_text == "2.5 MB"


def test_resolves_a_listed_name_to_its_real_path(folder):
    assert df.resolve(folder, "syn.csv") == (folder / "syn.csv").resolve()
    assert df.resolve(folder, "sub/holdout.CSV") == (folder / "sub" / "holdout.CSV").resolve()


@pytest.mark.parametrize(
    "name",
    [
        "../secret/passwords.csv",
        "sub/../../secret/passwords.csv",
        "sub/../syn.csv",  # stays inside, but `..` is refused anywhere
        "..\\secret\\passwords.csv",
    ],
)
def test_dot_dot_is_refused(folder, name):
    with pytest.raises(DataFolderError, match=r"\.\."):
        df.resolve(folder, name)


@pytest.mark.parametrize(
    "name", ["/etc/passwd", "\\\\server\\share\\x.csv", "C:\\x.csv", "~/x.csv"]
)
def test_absolute_names_are_refused(folder, name):
    with pytest.raises(DataFolderError, match="absolute"):
        df.resolve(folder, name)


def test_an_absolute_path_to_a_file_inside_is_refused_too(folder):
    with pytest.raises(DataFolderError, match="absolute"):
        df.resolve(folder, str(folder / "syn.csv"))


def test_nul_byte_is_refused(folder):
    with pytest.raises(DataFolderError, match="NUL"):
        df.resolve(folder, "syn.csv\0.parquet")


@pytest.mark.parametrize("name", ["", "   ", None])
def test_empty_name_is_refused(folder, name):
    with pytest.raises(DataFolderError):
        df.resolve(folder, name)  # type: ignore[arg-type]


def test_symlink_out_of_the_folder_is_neither_listed_nor_opened(folder):
    (folder / "leak.csv").symlink_to(folder.parent / "secret" / "passwords.csv")
    assert "leak.csv" not in names(folder)
    with pytest.raises(DataFolderError, match="outside"):
        df.resolve(folder, "leak.csv")


def test_symlink_inside_the_folder_is_fine(folder):
    (folder / "alias.csv").symlink_to(folder / "syn.csv")
    assert "alias.csv" in names(folder)
    assert df.resolve(folder, "alias.csv") == (folder / "syn.csv").resolve()


def test_symlinked_folder_out_is_refused(folder):
    (folder / "linked").symlink_to(folder.parent / "secret", target_is_directory=True)
    assert not any(n.startswith("linked/") for n in names(folder))
    with pytest.raises(DataFolderError, match="outside"):
        df.resolve(folder, "linked/passwords.csv")


def test_symlinked_folder_inside_is_refused_as_unlisted(folder):
    (folder / "again").symlink_to(folder / "sub", target_is_directory=True)
    with pytest.raises(DataFolderError, match="linked folder"):
        df.resolve(folder, "again/holdout.CSV")


def test_a_fifo_is_not_a_regular_file(folder):
    os.mkfifo(folder / "pipe.csv")
    assert "pipe.csv" not in names(folder)
    with pytest.raises(DataFolderError, match="regular"):
        df.resolve(folder, "pipe.csv")


def test_a_directory_is_not_a_regular_file(folder):
    (folder / "dir.parquet").mkdir()  # Spark writes Parquet as folders; not opened here
    assert "dir.parquet" not in names(folder)
    with pytest.raises(DataFolderError, match="regular"):
        df.resolve(folder, "dir.parquet")


def test_unlisted_files_are_refused(folder):
    with pytest.raises(DataFolderError, match="parquet or .csv"):
        df.resolve(folder, "notes.txt")
    with pytest.raises(DataFolderError, match="listed"):
        df.resolve(folder, ".hidden.csv")
    with pytest.raises(DataFolderError, match="not in the data folder"):
        df.resolve(folder, "missing.csv")


def test_hostile_names_are_data_not_code(folder):
    hostile = "épreuve \"quoted\" 'x' $(rm -rf ~) `id`; <b>é\n2024 ✓.csv"
    (folder / hostile).write_text("a\n1\n", encoding="utf-8")
    assert hostile in names(folder)
    assert df.resolve(folder, hostile) == (folder / hostile).resolve()


def test_a_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(DataFolderError, match="cannot be opened"):
        df.list_files(tmp_path / "nowhere")
    (tmp_path / "file").write_text("x", encoding="utf-8")
    with pytest.raises(DataFolderError, match="not a folder"):
        df.list_files(tmp_path / "file")


def test_listing_stops_at_the_limit(folder, monkeypatch):
    monkeypatch.setattr(df, "MAX_FILES", 2)
    assert len(df.list_files(folder)) == 2


def test_off_by_default_and_on_with_the_variable():
    assert df.root({}) is None
    assert df.root({"SYNTHLENS_DATA_DIR": "  "}) is None
    assert df.root({"SYNTHLENS_DATA_DIR": "/srv/data"}) == Path("/srv/data")


def test_roles_default_to_approver_and_admin():
    assert df.allowed_roles({}) == ("approver", "admin")
    assert df.allowed("approver", {}) and df.allowed("admin", {})
    assert not df.allowed("viewer", {}) and not df.allowed("reviewer", {})
    assert not df.allowed(None, {})


def test_roles_from_the_variable():
    env = {"SYNTHLENS_DATA_ROLES": " Reviewer, approver ,"}
    assert df.allowed_roles(env) == ("reviewer", "approver")
    assert df.allowed("reviewer", env) and not df.allowed("admin", env)
