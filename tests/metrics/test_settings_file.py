"""SynthLens' settings file: written, read back, and every bad file refused in one sentence."""

from __future__ import annotations

import json

import pytest

from metrics import settings_file as sf

COLUMNS = ["age", "sex", "zip", "income", "diagnosis"]


def test_written_settings_read_back_the_same():
    text = sf.settings_json(
        quasi_identifiers=["age", "sex", "zip"], sensitive=["diagnosis"], secrets=["income"]
    )
    assert json.loads(text)["synthlens_settings"] == 1
    got = sf.read_settings(text.encode(), COLUMNS)
    assert got == sf.Settings(("age", "sex", "zip"), ("diagnosis",), ("income",))
    assert got.marks()["quasi_identifiers"] == ("age", "sex", "zip")


def test_a_path_is_read_and_missing_lists_are_empty(tmp_path):
    path = tmp_path / "meta.synthlens.json"
    path.write_text('{"synthlens_settings": 1, "sensitive": ["income", "income"]}')
    assert sf.read_settings(path, COLUMNS) == sf.Settings(sensitive=("income",))
    assert sf.read_settings(str(path), COLUMNS).quasi_identifiers == ()


def test_the_settings_file_sits_beside_the_metadata(tmp_path):
    assert sf.settings_path(tmp_path / "X.json") == tmp_path / "X.synthlens.json"
    assert sf.settings_path("a/meta.JSON").name == "meta.synthlens.json"
    assert sf.settings_path("meta").name == "meta.synthlens.json"


def test_hostile_column_names_round_trip():
    names = ["a,b", '"; DROP', "名前", "[x](http://evil)", "line\nbreak"]
    text = sf.settings_json(quasi_identifiers=names[:2], sensitive=names[2:3], secrets=names)
    assert sf.read_settings(text.encode(), names) == sf.Settings(
        tuple(names[:2]), tuple(names[2:3]), tuple(names)
    )


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"{oops", "is not valid JSON"),
        (b"\xff\xfe\x00bad", "is not text (UTF-8 JSON)"),
        (b'["age"]', "is not a SynthLens settings file"),
        (b'{"columns": {"age": {"sdtype": "numerical"}}}', "is not a SynthLens settings file"),
        (b'{"synthlens_settings": 2}', "reads version 1 settings files"),
        (b'{"synthlens_settings": true}', "reads version 1 settings files"),
        (b'{"synthlens_settings": 1, "quasi_identifier": ["age"]}', "unknown keys"),
        (b'{"synthlens_settings": 1, "sensitive": "income"}', "must be a list of column names"),
        (b'{"synthlens_settings": 1, "secrets": [1, 2]}', "must be a list of column names"),
        (b'{"synthlens_settings": 1, "secrets": null}', "must be a list of column names"),
        (
            b'{"synthlens_settings": 1, "quasi_identifiers": ["age", "planet"]}',
            "'planet' is not a column the privacy attacks compare",
        ),
        (
            b'{"synthlens_settings": 1, "quasi_identifiers": ["age"], "sensitive": ["age"]}',
            "'age' is marked both quasi-identifier and sensitive",
        ),
        (b"[" + b" " * 1_100_000 + b"]", "up to 1 MB"),
        (b"[" * 100_000, "nested too deeply"),
    ],
)
def test_a_bad_settings_file_is_one_sentence(content, expected):
    with pytest.raises(sf.SettingsError) as caught:
        sf.read_settings(content, COLUMNS)
    message = str(caught.value)
    assert isinstance(caught.value, ValueError)
    assert expected in message, message
    assert "\n" not in message and len(message) < 400, message


def test_a_huge_file_on_disk_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "big.synthlens.json"
    path.write_bytes(b" " * (sf.MAX_BYTES + 1))
    with pytest.raises(sf.SettingsError, match="up to 1 MB"):
        sf.read_settings(path, COLUMNS)
    with pytest.raises(sf.SettingsError, match="was not found"):
        sf.read_settings(tmp_path / "nope.json", COLUMNS)


def test_a_megabyte_long_name_is_cut_short_in_the_message():
    content = json.dumps({"synthlens_settings": 1, "secrets": ["x" * 900_000]}).encode()
    with pytest.raises(sf.SettingsError) as caught:
        sf.read_settings(content, COLUMNS)
    assert len(str(caught.value)) < 400
