"""The Schema page's privacy marks as a user meets them (AppTest on the real app.py): pick
quasi-identifier, sensitive and secret columns, load a settings file, get a sentence for a bad one."""

from __future__ import annotations

import json

from tests.app.conftest import no_exceptions, texts

MARKS = "synthlens.privacy.marks"
QI, SENSITIVE, SECRETS = (f"synthlens.w.privacy_mark.{k}"
                          for k in ("quasi_identifiers", "sensitive", "secrets"))  # fmt: skip


def _schema(demo_app):
    demo_app.switch_page("pages/schema.py").run()
    no_exceptions(demo_app)
    return demo_app


def _marks(at) -> dict:
    stored = at.session_state[MARKS] if MARKS in at.session_state else {}
    return {k: tuple(stored.get(k, ())) for k in ("quasi_identifiers", "sensitive", "secrets")}


def _uploader(at):
    return [u for u in at.get("file_uploader") if "SynthLens settings" in u.label][0]


def test_marking_columns_changes_the_marks_and_a_column_is_never_both(demo_app):
    at = _schema(demo_app)
    assert "Privacy: quasi-identifiers and sensitive columns" in texts(at)
    assert "student_id" not in at.multiselect(key=QI).options  # an id column is not offered
    at.multiselect(key=QI).set_value(["gender", "mba_spec"]).run()
    no_exceptions(at)
    at.multiselect(key=SENSITIVE).set_value(["salary"]).run()
    no_exceptions(at)
    assert _marks(at) == {"quasi_identifiers": ("gender", "mba_spec"),
                          "sensitive": ("salary",), "secrets": ()}  # fmt: skip
    # Marked quasi-identifiers are not offered as sensitive, and the other way round.
    assert "gender" not in at.multiselect(key=SENSITIVE).options
    assert "salary" not in at.multiselect(key=QI).options
    assert "quasi-identifier or sensitive, not both" in texts(at)
    # No secret chosen: the sensitive columns are the default, and the page says so.
    assert "The inference attack guesses: the sensitive columns (salary)" in texts(at)
    at.multiselect(key=SECRETS).set_value(["placed"]).run()
    no_exceptions(at)
    assert _marks(at)["secrets"] == ("placed",)


def test_a_settings_file_applies_its_marks_once(demo_app):
    at = _schema(demo_app)
    good = {"synthlens_settings": 1, "quasi_identifiers": ["gender", "degree_type"],
            "sensitive": ["salary"], "secrets": ["salary", "placed"]}  # fmt: skip
    _uploader(at).set_value(("meta.synthlens.json", json.dumps(good).encode(), "application/json"))
    at.run()
    no_exceptions(at)
    assert _marks(at) == {"quasi_identifiers": ("gender", "degree_type"),
                          "sensitive": ("salary",), "secrets": ("salary", "placed")}  # fmt: skip
    assert at.multiselect(key=QI).value == ["gender", "degree_type"]  # the pickers show it
    assert "Marks from `meta.synthlens.json` loaded." in "\n".join(s.value for s in at.success)
    # A pick after loading sticks: the file still in its widget is not applied again.
    at.multiselect(key=QI).set_value(["gender"]).run()
    no_exceptions(at)
    assert _marks(at)["quasi_identifiers"] == ("gender",)


def test_a_bad_settings_file_is_a_sentence_and_the_marks_stay(demo_app):
    at = _schema(demo_app)
    at.multiselect(key=QI).set_value(["gender"]).run()
    for data, expected in [
        (b"{nope", "not valid JSON"),
        (b"\xff\xfe\x00", "not text"),
        (b'{"columns": {}}', "is not a SynthLens settings file"),
        (b'{"synthlens_settings": 1, "sensitive": ["planet"]}', "'planet' is not a column"),
        (b'{"synthlens_settings": 1, "quasi_identifiers": ["salary"], "sensitive": ["salary"]}',
         "'salary' is marked both quasi-identifier and sensitive"),
        (b"[" + b" " * 1_100_000 + b"]", "up to 1 MB"),
    ]:  # fmt: skip
        _uploader(at).set_value(("bad.json", data, "application/json"))
        at.run()
        no_exceptions(at)
        message = "\n".join(e.value for e in at.error).replace("\\", "")
        assert "bad.json" in message and expected in message, message
        assert _marks(at)["quasi_identifiers"] == ("gender",)


def test_hostile_column_names_are_offered_as_text(app):
    real = b'"[x](http://evil.example)",**bold**,:red[alarm],n\n' + b"a,b,c,1\n" * 30
    uploaders = app.get("file_uploader")
    uploaders[0].set_value(("real.csv", real, "text/csv"))
    uploaders[1].set_value(("synth.csv", real, "text/csv"))
    app.run()
    app.switch_page("pages/schema.py").run()
    no_exceptions(app)
    picker = app.multiselect(key=QI)
    assert "[x](http://evil.example)" in picker.options
    picker.set_value(["[x](http://evil.example)", ":red[alarm]"]).run()
    no_exceptions(app)
    shown = "\n".join(c.value for c in app.caption)
    assert "\\[x\\]\\(http" in shown  # the default-secrets sentence escapes the names
    assert _marks(app)["quasi_identifiers"] == ("[x](http://evil.example)", ":red[alarm]")
