"""SynthLens from the command line: the app's checks, headless, with an exit code for CI gates.

    python cli.py report --real REAL --synthetic SYNTH [--holdout HOLDOUT]
        [--metadata META.json] [--constraints CONSTRAINTS.json] [--target COLUMN]
        --json OUT.json [--html OUT.html]
        [--policy POLICY.toml [--review-db URL_OR_FILE]] [--keep-trivial-target]
        [--max-columns N] [--quiet]
        [--attacks N] [--secret COLUMN ...] [--quasi-identifiers COL,COL,...]
        [--sensitive COL,COL,...] [--unseen-share SHARE] [--settings FILE]
        [--engine auto|pandas|duckdb|spark] [--spark-master URL] [--sample-rows N]
    python cli.py verify-audit | grant | roles | audit-export | notify | signoff-record ...
        (the review database's governance: see cli_governance.py and each command's --help)

Exit codes: 0 done (and no policy gate blocks approval), 1 a policy gate fails, or is undecided
(its score's interval straddles the threshold) and the policy does not set allow_undecided =
true, 2 bad arguments or input. With --review-db and no --policy the gates are the policy stored in
the review database. Errors are one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from pathlib import Path

EXIT_OK, EXIT_GATE_FAILED, EXIT_BAD_INPUT, EXIT_UNEXPECTED = 0, 1, 2, 3


class UsageError(Exception):
    """Bad arguments or input: one line for the user, exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        command = "" if self.prog == "cli.py" else " " + self.prog.split()[-1]
        raise UsageError(f"{message} (see: python cli.py{command} --help)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="cli.py", description="SynthLens: judge synthetic tabular data.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    rep = sub.add_parser("report", help="assess a real/synthetic pair and write reports")
    rep.add_argument("--real", required=True, help="the real data the generator learned from")
    rep.add_argument("--synthetic", required=True, help="the synthetic data to judge")
    rep.add_argument("--holdout", help="real rows the generator never saw (optional)")
    rep.add_argument("--metadata", help="SDV metadata JSON with each column's sdtype")
    rep.add_argument(
        "--constraints",
        metavar="FILE",
        help="constraints JSON in SDV 2's vocabulary: a list of {constraint_class, parameters} "
        "(FixedCombinations, FixedIncrements, Inequality, Range, OneHotEncoding), checked row "
        "by row on the synthetic data",
    )
    rep.add_argument("--target", help="column to predict for the utility check")
    rep.add_argument(
        "--keep-trivial-target",
        action="store_true",
        help="count the utility of a target that models predict (almost) perfectly from the "
        "real data in Overall (by default it is shown but kept out, as it says little)",
    )
    rep.add_argument(
        "--json", dest="json_out", required=True, help="where to write the JSON report"
    )
    rep.add_argument("--html", dest="html_out", help="where to write the HTML report")
    rep.add_argument("--policy", help="policy TOML: gates that decide the exit code")
    rep.add_argument(
        "--review-db",
        metavar="URL_OR_FILE",
        help="count the decisions analysts stored in this review database (a SQLAlchemy "
        "URL or a SQLite file) for the same input files, and send its due notifications; "
        "without --policy, gate on the policy stored in it (the report names its version); "
        "without it every high-severity finding counts as open",
    )
    rep.add_argument("--seed", type=int, default=0)
    rep.add_argument(
        "--correlation",
        choices=["pearson", "spearman"],
        default="pearson",
        help="correlation for pairs of numbers (sdmetrics-compatible: pearson)",
    )
    rep.add_argument(
        "--sdmetrics-compatible",
        action="store_true",
        help="score exactly as sdmetrics' QualityReport does",
    )
    rep.add_argument(
        "--skip",
        action="append",
        default=[],
        help="metric to skip (repeatable), e.g. --skip detection",
    )
    rep.add_argument(
        "--max-columns",
        type=_positive_int,
        metavar="N",
        help="refuse input files with more columns than this, before reading their rows "
        "(default: SYNTHLENS_MAX_COLUMNS, else 20,000)",
    )
    rep.add_argument("--quiet", action="store_true", help="no progress or warnings on stderr")
    _privacy_arguments(rep)
    import cli_engines

    cli_engines.add_arguments(rep)
    import cli_governance

    cli_governance.add_commands(sub)
    return parser


def _privacy_arguments(rep: argparse.ArgumentParser) -> None:
    """The privacy attacks' options: how many, on which columns, against which control."""
    rep.add_argument(
        "--attacks",
        type=_positive_int,
        default=2000,
        metavar="N",
        help="attacks of each kind the privacy attacks run (default: 2000; fewer is faster "
        "and gives wider intervals)",
    )
    rep.add_argument(
        "--secret",
        action="append",
        metavar="COLUMN",
        help="a secret column of the inference attack (repeatable); default: the sensitive "
        f"columns, else the first {_max_secrets()} columns in turn",
    )
    rep.add_argument(
        "--quasi-identifiers",
        metavar="COL,COL,...",
        help="columns an attacker may know from elsewhere (age, sex, postcode...), separated "
        "by commas (a name with a comma goes in a --settings file): the report counts the "
        "real records they single out that the synthetic data reproduces",
    )
    rep.add_argument(
        "--sensitive",
        metavar="COL,COL,...",
        help="columns an attacker must not learn, separated by commas (not also quasi-identifiers)",
    )
    rep.add_argument(
        "--unseen-share",
        type=_share,
        metavar="SHARE",
        help="share (between 0 and 1, e.g. 0.2) of the real rows, at the end of the real file, "
        "that you confirm the generator was trained without: they are the privacy attacks' "
        "control when no --holdout is given, and the report states the split",
    )
    rep.add_argument(
        "--settings",
        metavar="FILE",
        help="SynthLens settings JSON with the quasi-identifier, sensitive and secret columns "
        "(default: the .synthlens.json beside --metadata, when there is one); the options "
        "above override its values",
    )


def _max_secrets() -> int:
    from metrics.attacks import MAX_SECRETS

    return MAX_SECRETS


def _positive_int(text: str) -> int:
    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {text!r}")
    return int(text)


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0 < value < 1:  # NaN fails too
        raise argparse.ArgumentTypeError(
            f"expected a share between 0 and 1 (e.g. 0.2 for the last 20% of the real rows), "
            f"got {text!r}"
        )
    return value


def _read(path: str | None, role: str, max_columns: int | None = None):
    from metrics import io

    if path is None:
        return None, None
    p = Path(path)
    if not p.is_file():
        raise UsageError(f"{role} file not found: {path}")
    try:
        frame = io.read_table(p, max_columns=max_columns)
    except io.InputError as exc:
        raise UsageError(str(exc)) from None
    return frame, io.file_sha256(p)


def _schema(args, real, synthetic):
    from metrics import schema as schema_mod

    inferred = schema_mod.infer(real, synthetic)
    if not args.metadata:
        return inferred
    p = Path(args.metadata)
    if not p.is_file():
        raise UsageError(f"metadata file not found: {args.metadata}")
    try:
        loaded = schema_mod.from_sdv_metadata(
            p.read_text(encoding="utf-8"), list(real.columns), base=inferred
        )
        return schema_mod.compare(real, synthetic, loaded)
    except (schema_mod.SchemaError, UnicodeDecodeError) as exc:
        raise UsageError(f"{args.metadata}: {exc}") from None


def _constraints(path: str | None, schema) -> tuple[str, ...]:
    """The declared constraints of ``--constraints``, checked against the compared columns."""
    from metrics import rules_declared

    if not path:
        return ()
    p = Path(path)
    if not p.is_file():
        raise UsageError(f"constraints file not found: {path}")
    size = p.stat().st_size
    if size > rules_declared.MAX_BYTES:  # said before reading it
        raise UsageError(
            f"{path}: the constraints file is {size / 1e6:.1f} MB; SynthLens reads constraints "
            f"files up to {rules_declared.MAX_BYTES / 1e6:.0f} MB"
        )
    try:
        return rules_declared.read_constraints(
            p.read_bytes(), {c.name: c.kind for c in schema.columns}
        )
    except rules_declared.ConstraintError as exc:
        raise UsageError(f"{path}: {exc}") from None


def _privacy_marks(args, schema) -> dict[str, tuple[str, ...]]:
    """Quasi-identifier, sensitive and secret columns: the settings file's (``--settings``,
    else the one beside ``--metadata``), each overridden by its option when given."""
    from metrics import settings_file as sf
    from metrics.schema import Kind

    columns = schema.names(Kind.NUMERICAL, Kind.DATETIME, Kind.CATEGORICAL, Kind.BOOLEAN)
    path = args.settings
    if path is None and args.metadata and sf.settings_path(args.metadata).is_file():
        path = str(sf.settings_path(args.metadata))
    marks = {k: () for k in sf.LISTS}
    if path is not None:
        if not Path(path).is_file():
            raise UsageError(f"settings file not found: {path}")
        try:
            marks = sf.read_settings(Path(path), columns).marks()
        except sf.SettingsError as exc:
            raise UsageError(f"{path}: {exc}") from None
    given = {
        "quasi_identifiers": (args.quasi_identifiers, "--quasi-identifiers"),
        "sensitive": (args.sensitive, "--sensitive"),
    }
    for key, (text, flag) in given.items():
        if text is not None:
            marks[key] = _column_list(text.split(","), flag, columns)
    if args.secret:
        marks["secrets"] = _column_list(args.secret, "--secret", columns)
    both = [c for c in marks["quasi_identifiers"] if c in marks["sensitive"]]
    if both:
        raise UsageError(sf.both_message(both))
    return marks


def _column_list(names: list[str], flag: str, columns: list[str]) -> tuple[str, ...]:
    """Column names as given (a name is matched as typed, else without surrounding spaces)."""
    from metrics.settings_file import unknown_columns_message

    known = set(columns)
    out = [n if n in known or n.strip() not in known else n.strip() for n in names]
    out = [n for n in out if n.strip() or n in known]  # "a,,b" and a trailing comma
    unknown = [n for n in out if n not in known]
    if unknown:
        raise UsageError(unknown_columns_message(unknown, flag, columns))
    return tuple(dict.fromkeys(out))


def _progress(quiet: bool):
    last = {"msg": ""}

    def report(fraction: float, message: str) -> None:
        if quiet or message == last["msg"]:
            return
        last["msg"] = message
        print(f"[{fraction:4.0%}] {message}", file=sys.stderr)

    return report


def cmd_report(args) -> int:
    from metrics import catalogue

    policy = None
    if args.policy:
        from review import policy as policy_mod

        try:
            policy = policy_mod.load_policy(Path(args.policy))
        except policy_mod.PolicyError as exc:
            problems = [line.strip().removeprefix("- ") for line in str(exc).splitlines()]
            raise UsageError(f"{args.policy}: " + " ".join(p for p in problems if p)) from None
    for out in (args.json_out, args.html_out):
        _check_writable(out)
    known = catalogue.names()
    unknown = sorted(set(args.skip) - set(known))
    if unknown:
        raise UsageError(
            f"--skip {unknown[0]!r} is not a metric; choose from {', '.join(sorted(known))}"
        )
    with warnings.catch_warnings():
        if args.quiet:  # numeric warnings of degenerate data are no progress either
            warnings.simplefilter("ignore")
        store = _review_store(args.review_db)
        try:
            policy, version = _stored_policy(policy, store, args.review_db)
            return _report(args, policy, store, version)
        finally:
            if store is not None:
                import cli_governance

                cli_governance.deliver_quietly(store, args.quiet)
                store.close()


def _stored_policy(policy, store, review_db):
    """The policy to gate on and its stored version: ``--policy``'s file (no version), else
    the policy in force in the review database."""
    if policy is not None or store is None:
        return policy, None
    try:
        return store.current_policy()
    except Exception as exc:  # noqa: BLE001 - an unreadable stored policy: one line
        raise _db_error(str(review_db), exc) from None


def _prepare(args, real, synthetic, holdout):
    """The schema and options of a run, checked against the (sampled) frames; warnings on
    stderr."""
    from metrics.options import Options

    schema = _schema(args, real, synthetic)
    if not schema.columns:
        raise UsageError("the real and synthetic files have no columns in common to compare")
    _check_holdout(args.holdout, holdout, schema)
    constraints = _constraints(args.constraints, schema)
    marks = _privacy_marks(args, schema)
    if not args.quiet:
        if args.unseen_share is not None and _holdout_is_control(holdout):
            print("warning: --unseen-share is not used: the holdout is the privacy attacks' "
                  "control", file=sys.stderr)  # fmt: skip
        unknown = [f"'{c.name}': {c.reason}" for c in schema.columns
                   if "is unknown here" in (c.reason or "")]  # fmt: skip
        for warning in [*schema.warnings(), *unknown]:  # left-out, empty or constant columns
            print(f"warning: {warning}", file=sys.stderr)
    if args.target and args.target not in schema.names():
        raise UsageError(f"--target {args.target!r} is not a column both files share")
    options = Options(
        seed=args.seed,
        sdmetrics_compatible=args.sdmetrics_compatible,
        correlation=args.correlation,
        target=args.target,
        keep_trivial_target=args.keep_trivial_target,
        skip=frozenset(args.skip),
        constraints=constraints,
        n_attacks=args.attacks,
        unseen_share=args.unseen_share or 0.0,
        **marks,
    )
    return schema, options


def _assess_in_memory(args):
    """Today's run: every file read whole into pandas, every metric on every row."""
    from metrics import suite
    from metrics.encode import encode

    real, real_sha = _read(args.real, "real", args.max_columns)
    synthetic, syn_sha = _read(args.synthetic, "synthetic", args.max_columns)
    holdout, hold_sha = _read(args.holdout, "holdout", args.max_columns)
    schema, options = _prepare(args, real, synthetic, holdout)
    inputs = {
        role: suite.InputInfo(role, Path(path).name, len(df), df.shape[1], sha)
        for role, path, df, sha in [
            ("real", args.real, real, real_sha),
            ("synthetic", args.synthetic, synthetic, syn_sha),
            ("holdout", args.holdout, holdout, hold_sha),
        ]
        if df is not None
    }
    enc = encode(real, synthetic, schema, holdout)  # kept for the HTML report's charts
    return suite.run(enc, options, _progress(args.quiet), inputs), enc


def _report(args, policy, store, policy_version: int | None = None) -> int:
    """Read, assess, gate and write the reports (the arguments are checked)."""
    import cli_engines
    from outputs import json_report

    engine = cli_engines.choose(args)
    if engine == "pandas":
        assessment, enc = _assess_in_memory(args)
    else:
        assessment, enc = cli_engines.assess_at_scale(args, engine, _prepare, _progress)
    review = None
    exit_code = EXIT_OK
    if policy is not None:
        from review import gating

        gates = _gates(policy, assessment, store, args.review_db)
        review = {
            "policy": gating.policy_dict(policy),
            "policy_source": "file" if args.policy else "review database",
            "policy_version": policy_version,
            "gates": [gating.gate_dict(g) for g in gates],
        }
        if store is not None:
            from outputs import review_report as rr

            review["audit_chain"] = rr.chain_dict(store)
        if policy_version is not None and not args.quiet:
            print(f"policy: version {policy_version} stored in the review database",
                  file=sys.stderr)  # fmt: skip
        for g in gates:
            print(f"{gate_word(g)} {g.label}: {g.message}", file=sys.stderr)
        if any(g.blocking for g in gates):  # failed, undecided (unless allowed), required missing
            exit_code = EXIT_GATE_FAILED
    Path(args.json_out).write_text(json_report.to_json(assessment, review), encoding="utf-8")
    if args.html_out:
        from outputs import html_report

        Path(args.html_out).write_text(
            html_report.render(assessment, enc, review), encoding="utf-8"
        )
    overall = assessment.scores.get("overall", float("nan"))
    low_high = assessment.intervals.get("overall")
    level = f"{assessment.options.confidence:.0%}"
    between = f" ({level} interval {low_high[0]:.3f}-{low_high[1]:.3f})" if low_high else ""
    print(
        f"overall score {overall:.3f}{between}; {len(assessment.findings)} findings; "
        f"report written to {args.json_out}",
        file=sys.stderr,
    )
    for res in assessment.results.values():
        if res.excluded:  # a computed score kept out of Overall: say why, once
            print(f"{res.name} not counted in the overall score: {res.excluded}", file=sys.stderr)
    return exit_code


def gate_word(gate) -> str:
    """The first word of a gate line: PASS, FAIL, UNDECIDED, or SKIP (an optional score that
    was not computed; a required one is a FAIL)."""
    if gate.status == "undecided":
        return "UNDECIDED"
    return "FAIL" if gate.blocking else "PASS" if gate.passed else "SKIP"


def _holdout_is_control(holdout) -> bool:
    """Whether the privacy attacks take the holdout as their control (not too few rows)."""
    from metrics.privacy_attacks import MIN_CONTROL_ROWS

    return holdout is not None and len(holdout) >= MIN_CONTROL_ROWS


def _check_holdout(path: str | None, holdout, schema) -> None:
    """A holdout must have every compared column; say which it lacks."""
    if holdout is not None and (missing := schema.missing_from(holdout.columns)):
        from metrics.schema import missing_columns_message

        raise UsageError(missing_columns_message("holdout", str(path), missing))


def _check_writable(path: str | None) -> None:
    """Fail before minutes of computing, not after, when a report cannot be written."""
    if path is None:
        return
    p = Path(path)
    folder = p.resolve().parent
    if p.is_dir():
        raise UsageError(f"{path} is a folder; give a file name for the report")
    if not folder.is_dir():
        raise UsageError(f"cannot write {path}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK) or (p.exists() and not os.access(p, os.W_OK)):
        raise UsageError(f"cannot write {path}: permission denied")


def _review_store(review_db: str | None):
    """The review database of ``--review-db``, opened before any computing so that a wrong
    path or an unreachable server fails at once; None without the option."""
    if not review_db:
        return None
    from review import Store

    if "://" not in review_db and not Path(review_db).is_file():
        raise UsageError(f"review database not found: {review_db}")
    url = review_db if "://" in review_db else f"sqlite+pysqlite:///{Path(review_db).resolve()}"
    try:
        return Store(url)
    except Exception as exc:  # a driver's own error types: one line, never a traceback
        raise _db_error(review_db, exc) from None


def _db_error(review_db: str, exc: Exception) -> UsageError:
    """One line naming the database, with its password hidden (also in the driver's text)."""
    from review.db import DatabaseUnavailable, safe_url, scrub

    if isinstance(exc, DatabaseUnavailable):
        return UsageError(str(exc))
    first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return UsageError(
        f"cannot read the review database {safe_url(review_db)}: {scrub(first, review_db)}"
    )


def _gates(policy, assessment, store, review_db: str | None):
    """The policy's gates; with a review database, its stored decisions count."""
    from review import gating

    if store is None:
        # No review: every high-severity finding counts as open.
        return gating.evaluate_assessment(policy, assessment)
    from outputs import review_report as rr

    try:
        items, source = rr.stored_review(store, assessment)
    except Exception as exc:  # noqa: BLE001 - the same one line as when opening it
        raise _db_error(str(review_db), exc) from None
    print(f"review: {source}", file=sys.stderr)
    return gating.evaluate_assessment(
        policy,
        assessment,
        open_high=len(rr.open_high(items)),
        rejected=len(rr.rejected_findings(items)),
    )


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        if args.command == "report":
            return cmd_report(args)
        import cli_governance

        if cli_governance.is_command(args.command):
            return cli_governance.run(args)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as exc:
        print(f"error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - a user gets one line, never a traceback
        from metrics.io import InputError

        if not isinstance(exc, InputError):  # the large-data engines' reading errors
            return _unexpected(exc)
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return EXIT_BAD_INPUT


def _unexpected(exc: Exception) -> int:
    """One line for a problem SynthLens did not foresee, never a traceback."""
    if os.environ.get("SYNTHLENS_DEBUG") == "1":
        raise exc
    print(f"error: SynthLens stopped on an unexpected problem ({type(exc).__name__}: "
          f"{_one_line(exc)}). Set SYNTHLENS_DEBUG=1 to see where, and please report it.",
          file=sys.stderr)  # fmt: skip
    return EXIT_UNEXPECTED


def _one_line(exc: BaseException, limit: int = 300) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


if __name__ == "__main__":
    sys.exit(main())
