"""The governance commands of ``cli.py``: audit chain, roles, exports, notifications, record.

    python cli.py verify-audit --review-db URL_OR_FILE
    python cli.py grant ROLE EMAIL [--review-db URL_OR_FILE] [--by NAME]
    python cli.py roles [--review-db URL_OR_FILE]
    python cli.py audit-export --review-db URL_OR_FILE [--csv FILE] [--json FILE]
    python cli.py notify [--review-db URL_OR_FILE] [--retry-failed]
    python cli.py signoff-record --review-db URL_OR_FILE [--run ID] --out FILE

Exit codes: 0 done (verify-audit: the chain is intact), 1 the audit chain is broken (verify-audit)
or some notifications failed (notify), 2 bad arguments, input or database. Errors are one line
on stderr with any password hidden, never a traceback.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2
_DB_REQUIRED = "the review database: a SQLAlchemy URL (postgresql+psycopg://...) or a SQLite file"
_DB_HELP = _DB_REQUIRED + (
    "; default: SYNTHLENS_DATABASE_URL, else SYNTHLENS_DB_PATH, else ./synthlens.db, as the "
    "app uses"
)


class Problem(Exception):
    """Bad input or an unusable database: one line for the user, exit code 2."""


def add_commands(sub: Any) -> None:
    """Register the governance sub-commands on ``cli.py``'s sub-parsers."""
    verify = sub.add_parser(
        "verify-audit",
        help="check the audit trail's hash chain (exit 0 intact, 1 broken, 2 bad input)",
        description="Check that no audit row or sign-off was edited, deleted or inserted "
        "outside SynthLens. Reads only: the database is never created or upgraded. Exit 0 "
        "intact, 1 broken (the first broken row is named), 2 bad input.",
    )
    verify.add_argument("--review-db", metavar="URL_OR_FILE", required=True, help=_DB_REQUIRED)
    grant = sub.add_parser(
        "grant",
        help="give an email a role: viewer, reviewer, approver or admin",
        description="Give EMAIL the role ROLE in the review database (the latest grant holds, "
        "so a lower role takes a higher one back). Whoever runs this on the server counts as "
        "an admin: this is how the first admin is made. A missing SQLite file is created.",
    )
    grant.add_argument("role", metavar="ROLE", help="viewer, reviewer, approver or admin")
    grant.add_argument("email", metavar="EMAIL", help="the person's login email")
    grant.add_argument("--review-db", metavar="URL_OR_FILE", help=_DB_HELP)
    grant.add_argument("--by", metavar="NAME", help="who grants it, for the record "
                       "(default: the operating-system user)")  # fmt: skip
    roles = sub.add_parser("roles", help="list the roles granted in the review database")
    roles.add_argument("--review-db", metavar="URL_OR_FILE", help=_DB_HELP)
    export = sub.add_parser(
        "audit-export",
        help="write the full audit trail with its chain hashes as CSV and/or JSON",
        description="Every audit row and sign-off in chain order, each with the canonical "
        "text that was hashed, its content hash, the previous link's hash and its link hash, "
        "so an auditor can recompute the chain without SynthLens.",
    )
    export.add_argument("--review-db", metavar="URL_OR_FILE", required=True, help=_DB_REQUIRED)
    export.add_argument("--csv", dest="csv_out", metavar="FILE", help="where to write the CSV")
    export.add_argument("--json", dest="json_out", metavar="FILE", help="where to write the JSON")
    notify = sub.add_parser(
        "notify",
        help="send the webhook notifications that are due (SYNTHLENS_WEBHOOK_URL)",
        description="Deliver the queued webhook calls whose time has come, signed with "
        "SYNTHLENS_WEBHOOK_SECRET, and print how many were sent. Run it from cron when the "
        "app is not running. Exit 1 when a call failed for good.",
    )
    notify.add_argument("--review-db", metavar="URL_OR_FILE", help=_DB_HELP)
    notify.add_argument("--retry-failed", action="store_true",
                        help="first put the calls that failed for good back in the queue")  # fmt: skip
    record = sub.add_parser(
        "signoff-record",
        help="write a run's sign-off record as a one-page printable HTML file",
        description="The sign-off record of a run: input hashes, the signature, its meaning, "
        "the policy version and its gates, the decisions and the audit chain's head; one A4 "
        "page for a normal run.",
    )
    record.add_argument("--review-db", metavar="URL_OR_FILE", required=True, help=_DB_REQUIRED)
    record.add_argument("--run", type=int, metavar="ID",
                        help="the review run (default: the latest run)")  # fmt: skip
    record.add_argument("--out", required=True, metavar="FILE", help="where to write the HTML")


def run(args: argparse.Namespace) -> int:
    """Run the governance command ``args.command``; its exit code."""
    commands: dict[str, Callable[[argparse.Namespace], int]] = {
        "verify-audit": verify_audit, "grant": grant, "roles": roles,
        "audit-export": audit_export, "notify": notify, "signoff-record": signoff_record,
    }  # fmt: skip
    try:
        return commands[args.command](args)
    except Problem as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT


def is_command(name: str) -> bool:
    return name in {"verify-audit", "grant", "roles", "audit-export", "notify", "signoff-record"}


# ------------------------------------------------------------------------------ databases


def database_url(review_db: str | None, *, must_exist: bool = True) -> str:
    """The SQLAlchemy URL of ``--review-db`` (default: as the app resolves it).

    A SQLite file that does not exist is refused when ``must_exist`` (connecting would
    create an empty one).
    """
    from sqlalchemy.engine import make_url

    from review.db import safe_url

    if review_db and "://" not in review_db:
        url = f"sqlite+pysqlite:///{Path(review_db).expanduser().resolve()}"
    elif review_db:
        url = review_db
    else:
        url = _default_url(must_exist)
    try:
        parsed = make_url(url)
    except Exception:  # noqa: BLE001 - any parse error is the same one line
        raise Problem(
            f"{safe_url(url)} is not a database URL; give a SQLite file or a "
            "SQLAlchemy URL such as postgresql+psycopg://user@host/db"
        ) from None
    if must_exist and parsed.get_backend_name() == "sqlite":
        path = parsed.database or ""
        if path in ("", ":memory:"):
            raise Problem("an in-memory SQLite database holds no review; give the file the "
                          "app uses")  # fmt: skip
        if not Path(path).is_file():
            _no_file(path)
    return url


def _default_url(must_exist: bool) -> str:
    from review.db import resolve_url

    if os.environ.get("SYNTHLENS_DATABASE_URL", "").strip():
        return resolve_url(None)
    path = Path(os.environ.get("SYNTHLENS_DB_PATH", "").strip() or "synthlens.db")
    if must_exist and not path.is_file():
        _no_file(str(path))
    return resolve_url(None)  # creates the folder only; Store creates the file


def _no_file(path: str) -> str:
    raise Problem(f"review database not found: {path}; give the file the app uses "
                  "(SYNTHLENS_DB_PATH) or a database URL with --review-db")  # fmt: skip


def db_problem(url: str, exc: BaseException) -> Problem:
    """One line naming the database, with its password hidden (also in the driver's text)."""
    from review.db import DatabaseUnavailable, safe_url, scrub

    if isinstance(exc, DatabaseUnavailable):
        return Problem(str(exc))
    lines = str(exc).strip().splitlines()
    first = lines[0] if lines else type(exc).__name__
    return Problem(f"cannot read the review database {safe_url(url)}: {scrub(first, url)}")


def open_store(url: str) -> Any:
    """The review store at ``url`` (created or upgraded, as the app does)."""
    from review import Store

    try:
        return Store(url)
    except Exception as exc:  # noqa: BLE001 - a driver's own error types: one line
        raise db_problem(url, exc) from None


# ------------------------------------------------------------------------------- commands


def verify_audit(args: argparse.Namespace) -> int:
    """Check the chain without creating, upgrading or writing anything."""
    from review.chain import ChainError, verify
    from review.db import make_engine

    url = database_url(args.review_db)
    try:
        engine = make_engine(url)
    except Exception as exc:  # noqa: BLE001
        raise db_problem(url, exc) from None
    try:
        state = verify(engine)
    except ChainError as exc:
        raise Problem(f"{_shown(url)} is not a SynthLens review database with an audit chain: "
                      f"{exc}") from None  # fmt: skip
    except Exception as exc:  # noqa: BLE001 - not a database, unreachable, no permission
        raise db_problem(url, exc) from None
    finally:
        engine.dispose()
    print(state.summary())
    if state.intact:
        return EXIT_OK
    print(f"error: the audit trail was changed outside SynthLens: {state.table} id "
          f"{state.row_id} ({state.reason}). Keep this database as evidence, restore the last "
          "good backup, and do not sign off on it.", file=sys.stderr)  # fmt: skip
    return EXIT_FAILED


def _shown(url: str) -> str:
    from review.db import safe_url

    return safe_url(url)


def grant(args: argparse.Namespace) -> int:
    from review.records import StoreError
    from review.roles import RolesError, check_grant

    try:
        email, role = check_grant(args.email, args.role)
    except RolesError as exc:
        raise Problem(str(exc)) from None
    url = database_url(args.review_db, must_exist=False)
    by = (args.by or _os_user()).strip()
    if not by:
        raise Problem("--by is empty; say who grants the role")
    store = open_store(url)
    try:
        store.grant(email, role, by=f"{by} (cli.py grant)", by_role="admin")
    except StoreError as exc:  # InvalidInput, NotAllowed: worded for users
        raise Problem(str(exc)) from None
    except Exception as exc:  # noqa: BLE001
        raise db_problem(url, exc) from None
    finally:
        store.close()
    print(f"granted {role} to {email} in {_shown(url)} (by {by})")
    return EXIT_OK


def _os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no user name in a bare container
        return "the operator"


def roles(args: argparse.Namespace) -> int:
    url = database_url(args.review_db)
    store = open_store(url)
    try:
        granted = store.grants()
    except Exception as exc:  # noqa: BLE001
        raise db_problem(url, exc) from None
    finally:
        store.close()
    if not granted:
        print("no roles granted in this database (grant one: python cli.py grant admin EMAIL)")
    for email, role in sorted(granted.items()):
        print(f"{role:<9} {email}")
    return EXIT_OK


def _writable(path: str | None) -> None:
    if path is None:
        return
    p = Path(path)
    if p.is_dir():
        raise Problem(f"{path} is a folder; give a file name")
    if not p.resolve().parent.is_dir():
        raise Problem(f"cannot write {path}: the folder {p.resolve().parent} does not exist")


def audit_export(args: argparse.Namespace) -> int:
    from review.chain import ChainError
    from review.chain_export import audit_export as export
    from review.db import make_engine

    if not args.csv_out and not args.json_out:
        raise Problem("say where to write the audit trail: --csv FILE and/or --json FILE")
    for out in (args.csv_out, args.json_out):
        _writable(out)
    url = database_url(args.review_db)
    try:
        engine = make_engine(url)
        try:
            csv_text, json_text = export(engine)
        finally:
            engine.dispose()
    except ChainError as exc:
        raise Problem(f"{_shown(url)} has no audit chain: {exc}") from None
    except Exception as exc:  # noqa: BLE001
        raise db_problem(url, exc) from None
    for path, text in ((args.csv_out, csv_text), (args.json_out, json_text)):
        if path:
            Path(path).write_text(text, encoding="utf-8")
            print(f"audit trail written to {path}")
    return EXIT_OK


def notify(args: argparse.Namespace) -> int:
    from review.outbox import deliver_configured, retry_failed
    from review.webhook import webhook_config

    config = webhook_config()
    if config is None:
        raise Problem("no webhook is configured: set SYNTHLENS_WEBHOOK_URL and "
                      "SYNTHLENS_WEBHOOK_SECRET")  # fmt: skip
    url = database_url(args.review_db)
    store = open_store(url)
    try:
        again = retry_failed(store.engine) if args.retry_failed else 0
        report = deliver_configured(store.engine, config)
    except Exception as exc:  # noqa: BLE001
        raise db_problem(url, exc) from None
    finally:
        store.close()
    if report.error:
        raise Problem(f"notifications not sent: {report.error}")
    requeued = f"{again} failed put back in the queue; " if args.retry_failed else ""
    print(f"{requeued}{len(report.sent)} sent, {len(report.retrying)} will be retried, "
          f"{len(report.failed)} failed for good")  # fmt: skip
    if report.failed:
        print("error: some notifications failed for good; fix the receiver, then run "
              "python cli.py notify --retry-failed", file=sys.stderr)  # fmt: skip
        return EXIT_FAILED
    return EXIT_OK


def deliver_quietly(store: Any, quiet: bool = False) -> None:
    """Send the due notifications before ``cli.py report`` exits; a webhook never fails it."""
    try:
        from review.outbox import deliver_configured

        report = deliver_configured(store.engine)
    except Exception as exc:  # noqa: BLE001 - the report is done; say so and go on
        if not quiet:
            print(f"warning: notifications not sent ({type(exc).__name__})", file=sys.stderr)
        return
    if not quiet and (report.sent or report.retrying or report.failed or report.error):
        print(f"notifications: {len(report.sent)} sent, {len(report.retrying)} to retry"
              + (f" ({report.error})" if report.error else ""), file=sys.stderr)  # fmt: skip


def signoff_record(args: argparse.Namespace) -> int:
    from outputs import signoff_record as record
    from review.records import NotFound

    _writable(args.out)
    url = database_url(args.review_db)
    store = open_store(url)
    try:
        run_id = args.run
        if run_id is None:
            runs = store.runs(limit=1)
            if not runs:
                raise Problem("the review database has no runs yet; review one in the app first")
            run_id = runs[0].id
        html = record.html(store, run_id)
    except NotFound:
        raise Problem(f"there is no review run {args.run}; see the run ids on the Review "
                      "page, or leave out --run for the latest") from None  # fmt: skip
    except Problem:
        raise
    except Exception as exc:  # noqa: BLE001
        raise db_problem(url, exc) from None
    finally:
        store.close()
    Path(args.out).write_text(html, encoding="utf-8")
    print(f"sign-off record of run {run_id} written to {args.out}")
    return EXIT_OK
