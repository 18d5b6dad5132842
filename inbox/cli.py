"""The `inbox-router` command: a stable contract (see DESIGN.md).

Argument parsing and dispatch only: each command builds Settings once, opens the
database at this edge and calls one function of the package that owns the work. A
command imports what it needs when it runs, so `status` or `send` never load
scikit-learn or Flask. Exit codes: 0 ok, 1 the work found
problems (bad rows, quarantined mail is not a problem), 2 usage or setup error.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.orm import Session, sessionmaker

from inbox.db import make_engine, migrate, schema_is_current, session_factory
from inbox.models import LABELS
from inbox.settings import Settings, SettingsError


class CommandError(Exception):
    """A problem the user can fix; printed without a traceback."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    try:
        settings = Settings.from_env(db_url=args.db)
        return int(args.handler(settings, args) or 0)
    except (CommandError, SettingsError) as exc:
        print(f"inbox-router: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("inbox-router: interrupted", file=sys.stderr)
        return 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="inbox-router",
        description="Shared-inbox router for law firms.",
    )
    parser.add_argument(
        "--db",
        metavar="URL",
        help="database URL (default: $INBOX_ROUTER_DB, else sqlite:///inbox-router.db)",
    )
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    def command(name: str, handler: Callable[..., int | None], text: str):  # type: ignore[no-untyped-def]
        sub = commands.add_parser(name, help=text, description=text)
        sub.set_defaults(handler=handler)
        return sub

    command("init", cmd_init, "create or migrate the database schema")
    sub = command("import-directory", cmd_import_directory, "load the firm directory CSVs")
    sub.add_argument("directory", type=Path)
    sub = command("ingest", cmd_ingest, "run .eml files, folders of them or mbox files")
    sub.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    sub.add_argument("--quiet", action="store_true", help="print only the summary")
    sub = command("classify", cmd_classify, "label .eml files (no storing)")
    sub.add_argument("--json", action="store_true", help="one JSON object a line")
    sub.add_argument("files", nargs="+", type=Path, metavar="FILE.eml")
    sub = command("route", cmd_route, "decide what to do with .eml files (no storing)")
    sub.add_argument("--json", action="store_true", help="one JSON object a line")
    sub.add_argument(
        "--as-of", type=_date, metavar="YYYY-MM-DD", help="route as of this day (default: today)"
    )
    sub.add_argument("files", nargs="+", type=Path, metavar="FILE.eml")
    sub = command("train", cmd_train, "fit the classifier on the project's corpus")
    sub.add_argument("--output", type=Path, help="model file (default: the configured one)")
    sub.add_argument(
        "--include-corrections",
        action="store_true",
        help="add people's relabels from the database; promote only if not worse",
    )
    sub = command(
        "train-intents", cmd_train_intents, "fit the intent models (what status/billing mail asks)"
    )
    sub.add_argument("--output", type=Path, help="file (default: the configured intent model)")
    sub.add_argument(
        "--corpus", type=Path, action="append", metavar="DIR", help="training folder (repeatable)"
    )
    sub.add_argument(
        "--heldout", type=Path, action="append", metavar="DIR", help="held-out folder (repeatable)"
    )
    sub = command("models", cmd_models, "list model versions, or make one active again")
    sub.add_argument("--restore", metavar="VERSION", help="make this version active")
    sub.add_argument(
        "--shipped", action="store_true", help="use the model shipped with the project"
    )
    sub = command("relabel", cmd_relabel, "correct a message's label and route it again")
    sub.add_argument("message_id", type=int)
    sub.add_argument("label", choices=LABELS)
    sub.add_argument("--by", metavar="EMAIL", help="the user making the correction")
    sub = command("eval", cmd_eval, "measure the classifier on a labeled set")
    sub.add_argument("--labels", type=Path, metavar="CSV", help="CSV with file,label columns")
    sub.add_argument("directory", type=Path, nargs="?", help="folder of the .eml files")
    sub.add_argument("--json", action="store_true", help="print the report as JSON")
    sub = command("mailbox", cmd_mailbox, "register an IMAP mailbox to poll")
    sub.add_argument("verb", choices=["add"])
    sub.add_argument("name")
    sub.add_argument("--host", required=True)
    sub.add_argument("--port", type=int, required=True)
    sub.add_argument("--security", choices=["ssl", "starttls", "plain"], required=True)
    sub.add_argument("--user", required=True)
    secret = sub.add_mutually_exclusive_group(required=True)
    secret.add_argument("--password-env", metavar="VAR")
    secret.add_argument("--password-command", metavar="CMD")
    secret.add_argument("--oauth2-token-command", metavar="CMD")
    sub.add_argument("--folder", default="INBOX")
    sub.add_argument("--after", default="leave", help="leave, flag or move:FOLDER")
    sub.add_argument("--since", type=_date, help="initial sync: only mail since YYYY-MM-DD")
    sub.add_argument("--sent-folder", help="where sent replies are filed (default: \\Sent)")
    sub = command("poll", cmd_poll, "the IMAP poller (IDLE, falling back to polling)")
    sub.add_argument("--once", action="store_true", help="one pass over each mailbox, then exit")
    sub.add_argument("--mailbox", action="append", metavar="NAME", help="only these mailboxes")
    sub.add_argument(
        "--interval", type=float, default=60.0, help="seconds between polls without IDLE"
    )
    sub = command("send", cmd_send, "the outbox worker: deliver queued mail over SMTP")
    sub.add_argument("--once", action="store_true", help="one pass over the outbox, then exit")
    sub = command("outbox", cmd_outbox, "mail that needs a person: list, release, resend...")
    sub.add_argument("verb", choices=["list", "release", "resend", "cancel", "delivered"])
    sub.add_argument("entry_id", type=int, nargs="?", metavar="ID", help="the outbox entry")
    sub.add_argument("--by", metavar="EMAIL", help="the user deciding (audited)")
    sub.add_argument("--reason", default="", help="why a mail is cancelled")
    command("status", cmd_status, "mailbox health and queue counts")
    sub = command("users", cmd_users, "manage logins of the web UI")
    sub.add_argument("verb", choices=["add"])
    sub.add_argument("email")
    sub.add_argument("--role", choices=["va", "attorney", "admin"], required=True)
    sub.add_argument("--name", default="")
    sub = command("serve", cmd_serve, "the web UI")
    sub.add_argument("--host", default="127.0.0.1")
    sub.add_argument("--port", type=int, default=5000)
    sub.add_argument("--threads", type=int, default=8, help="request threads a process (gthread)")
    sub.add_argument(
        "--workers",
        type=int,
        default=None,
        help="server processes sharing the port (default: one a core)",
    )
    sub = command("demo", cmd_demo, "the sample firm and mailbox in the web UI, with a mail sink")
    sub.add_argument("--host", default="127.0.0.1")
    sub.add_argument("--port", type=int, default=5000)
    sub.add_argument("--reset", action="store_true", help="start from an empty database")
    sub = command("sample", cmd_sample, "load the sample firm and mailbox and show them")
    sub.add_argument("--reset", action="store_true", help="start from an empty database")
    return parser


def _date(value: str):  # type: ignore[no-untyped-def]
    import datetime as dt

    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date (YYYY-MM-DD)") from None


# -- database at the edge -------------------------------------------------------


def open_database(settings: Settings, *, require_schema: bool = True) -> Engine:
    engine = make_engine(settings)
    if require_schema:
        try:
            current = schema_is_current(engine)
        except (OperationalError, ProgrammingError) as exc:
            raise CommandError(f"cannot open database {engine.url!r}: {exc.orig}") from None
        if not current:
            raise CommandError(
                f"database {engine.url.render_as_string(hide_password=True)} is not "
                "initialised or is out of date: run `inbox-router init`"
            )
    return engine


@contextmanager
def database(settings: Settings) -> Iterator[sessionmaker[Session]]:
    """A session factory on an initialised database, disposed of when the command ends."""
    engine = open_database(settings)
    try:
        yield session_factory(engine)
    finally:
        engine.dispose()


# -- commands --------------------------------------------------------------------


def cmd_init(settings: Settings, args: argparse.Namespace) -> int:
    engine = open_database(settings, require_schema=False)
    try:
        revision = migrate(engine)
    except OperationalError as exc:
        raise CommandError(f"cannot migrate {engine.url!r}: {exc.orig}") from None
    finally:
        engine.dispose()
    print(f"schema at revision {revision} ({engine.url.render_as_string(hide_password=True)})")
    return 0


def cmd_import_directory(settings: Settings, args: argparse.Namespace) -> int:
    from rules.directory_import import DirectoryError, import_directory

    try:
        with database(settings) as factory, factory() as session, session.begin():
            results = import_directory(session, args.directory)
    except DirectoryError as exc:
        raise CommandError(str(exc)) from None
    failed = False
    for result in results:
        if result.skipped:
            print(f"{result.file}: {result.skipped}")
        elif result.errors:
            failed = True
            for error in result.errors:
                print(str(error), file=sys.stderr)
            print(f"{result.file}: rejected, nothing changed ({len(result.errors)} errors)")
        else:
            print(
                f"{result.file}: {result.rows} rows "
                f"({result.created} new, {result.updated} updated)"
            )
        for note in result.notes:
            print(note, file=sys.stderr)
    return 1 if failed else 0


def cmd_ingest(settings: Settings, args: argparse.Namespace) -> int:
    from inbox.ingest.files import ingest_paths

    with database(settings) as factory:
        summary = ingest_paths(factory, settings, args.paths)
    if not args.quiet:
        shown = summary.problems[:20]
        for problem in shown:
            print(problem, file=sys.stderr)
        if len(summary.problems) > len(shown):
            print(f"... and {len(summary.problems) - len(shown)} more", file=sys.stderr)
    print(summary.line())
    return 0


def active_model(settings: Settings) -> Path:
    """The active model version when the database knows one, else the shipped model."""
    from classifier.registry import active_model_path

    try:
        with database(settings) as factory, factory() as session:
            return active_model_path(session, settings)
    except CommandError:  # no database yet: classify still works on files
        return settings.model_path


def cmd_classify(settings: Settings, args: argparse.Namespace) -> int:
    from classifier.commands import classify_files
    from classifier.persistence import ModelFileError

    try:
        classify_files(
            settings, args.files, print, as_json=args.json, model_path=active_model(settings)
        )
    except ModelFileError as exc:
        raise CommandError(str(exc)) from None
    return 0


def cmd_route(settings: Settings, args: argparse.Namespace) -> int:
    from classifier.persistence import ModelFileError
    from rules.route_files import route_files
    from rules.ruleset import RulesError

    if args.as_of is not None:
        settings = settings.with_changes(as_of=args.as_of)
    try:
        with database(settings) as factory:
            route_files(factory, settings, args.files, print, as_json=args.json)
    except (ModelFileError, RulesError) as exc:
        raise CommandError(str(exc)) from None
    return 0


def cmd_train(settings: Settings, args: argparse.Namespace) -> int:
    from classifier.commands import train_and_save
    from classifier.corpus import CorpusError

    if not args.include_corrections:
        try:
            train_and_save(settings, args.output or settings.model_path, print)
        except CorpusError as exc:
            raise CommandError(str(exc)) from None
        return 0
    from classifier.commands import retrain_with_corrections

    with database(settings) as factory, factory() as session, session.begin():
        retrain_with_corrections(session, settings, print)
    return 0


def cmd_train_intents(settings: Settings, args: argparse.Namespace) -> int:
    from classifier.commands import train_intents_and_save
    from classifier.corpus import HELDOUT_DIR, INTENTS_DIR, TRAIN_DIR
    from rules.intents import rules_intent

    try:
        train_intents_and_save(
            args.output or settings.intent_model_path,
            rules_intent,
            print,
            args.corpus or [TRAIN_DIR, INTENTS_DIR],
            args.heldout or [HELDOUT_DIR],
        )
    except ValueError as exc:  # a bad corpus record (CorpusError), or one writer brief only
        raise CommandError(str(exc)) from None
    return 0


def cmd_models(settings: Settings, args: argparse.Namespace) -> int:
    from classifier.registry import RegistryError, describe_versions, restore, use_shipped_model

    with database(settings) as factory, factory() as session, session.begin():
        try:
            if args.restore:
                restore(session, args.restore)
            elif args.shipped:
                use_shipped_model(session)
        except RegistryError as exc:
            raise CommandError(str(exc)) from None
        print(describe_versions(session, settings))
    return 0


def cmd_relabel(settings: Settings, args: argparse.Namespace) -> int:
    from classifier.registry import active_model_path
    from inbox.accounts import find_user
    from inbox.models import Message
    from rules.review import ReviewError, relabel
    from rules.route import Router

    with database(settings) as factory, factory() as session, session.begin():
        message = session.get(Message, args.message_id)
        if message is None:
            raise CommandError(f"no message {args.message_id}")
        user = find_user(session, args.by) if args.by else None
        if args.by and user is None:
            raise CommandError(f"no user {args.by}")
        router = Router.from_settings(settings, active_model_path(session, settings))
        try:
            decision = relabel(session, message, args.label, user, router)
        except ReviewError as exc:
            raise CommandError(str(exc)) from None
        print(f"message {message.id}: {args.label} -> {decision.action} ({decision.reason})")
    return 0


def cmd_eval(settings: Settings, args: argparse.Namespace) -> int:
    import json

    from classifier.commands import (
        evaluate_heldout,
        evaluate_labeled_files,
        group_lines,
        writer_disjoint_reports,
    )
    from classifier.corpus import CorpusError
    from classifier.persistence import ModelFileError
    from classifier.train import ALL_MAIL

    if (args.labels is None) != (args.directory is None):
        raise CommandError("eval takes both --labels CSV and DIR, or neither (held-out set)")
    try:
        model_path = active_model(settings)
        if args.labels is not None:
            labelled = evaluate_labeled_files(settings, args.labels, args.directory, model_path)
            reports = {"labelled": {ALL_MAIL: labelled}}
        else:
            reports = {
                "writer_disjoint_cv": writer_disjoint_reports(settings, model_path),
                "heldout": evaluate_heldout(settings, model_path),
            }
    except (CorpusError, ModelFileError) as exc:
        raise CommandError(str(exc)) from None
    shown = {name: by_group for name, by_group in reports.items() if by_group}
    if args.json:  # --labels: the report itself; the default: both, by name, and by group
        as_json: dict[str, object] = {}
        for name, by_group in shown.items():
            as_json[name] = by_group[ALL_MAIL].as_dict()
            if len(by_group) > 1:
                as_json[f"{name}_by_group"] = {
                    group: r.as_dict() for group, r in by_group.items() if group != ALL_MAIL
                }
        print(json.dumps(as_json.get("labelled", as_json), indent=2))
        return 0
    titles = {
        "writer_disjoint_cv": "writer-disjoint cross-validation (training corpus, by brief)",
        "heldout": "held-out briefs (never trained on)",
        "labelled": f"{args.labels}",
    }
    print(
        "\n\n".join(
            f"== {titles[name]}\n{by_group[ALL_MAIL].text()}\n{group_lines(by_group)}".rstrip()
            for name, by_group in shown.items()
        )
    )
    return 0


def cmd_mailbox(settings: Settings, args: argparse.Namespace) -> int:
    from inbox.ingest.mailboxes import MailboxError, add_mailbox

    with database(settings) as factory, factory() as session, session.begin():
        try:
            box = add_mailbox(
                session,
                name=args.name,
                host=args.host,
                port=args.port,
                security=args.security,
                user=args.user,
                folder=args.folder,
                after=args.after,
                password_env=args.password_env,
                password_command=args.password_command,
                oauth2_token_command=args.oauth2_token_command,
                since=args.since,
                sent_folder=args.sent_folder,
            )
        except MailboxError as exc:
            raise CommandError(str(exc)) from None
        print(f"mailbox {box.name}: {box.username}@{box.host}:{box.port}/{box.folder} added")
    return 0


def cmd_poll(settings: Settings, args: argparse.Namespace) -> int:
    import signal
    import threading

    from classifier.errors import ModelFileError
    from inbox.imap import MailboxConfigError
    from inbox.ingest.mailboxes import enabled_mailboxes
    from inbox.ingest.poller import NETWORK_ERRORS
    from inbox.ingest.service import run_poll_service

    _log_to_stderr()
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    with database(settings) as factory:
        with factory() as session:
            boxes = enabled_mailboxes(session, args.mailbox)
        if not boxes:
            raise CommandError("no mailbox to poll: add one with `inbox-router mailbox add`")
        try:
            run_poll_service(
                factory, settings, boxes, interval=args.interval, once=args.once, stop=stop
            )
        except ModelFileError as exc:
            raise CommandError(str(exc)) from exc
        except (MailboxConfigError, *NETWORK_ERRORS) as exc:
            print(f"inbox-router: poll failed: {type(exc).__name__}: {exc}", file=sys.stderr)
            return 1
    return 0


def _log_to_stderr() -> None:
    """The long-running commands log warnings, and inbox-router's own progress."""
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(message)s")
    logging.getLogger("inbox").setLevel(logging.INFO)


def cmd_send(settings: Settings, args: argparse.Namespace) -> int:
    import asyncio

    from inbox.outgoing.worker import OutboxWorker, PassSummary, run_until_signalled

    _log_to_stderr()

    def report(summary: PassSummary, always: bool = False) -> None:
        if always or summary.anything:
            print(summary.line(), flush=True)
        for problem in summary.problems:
            print(f"inbox-router: {problem}", file=sys.stderr, flush=True)

    with database(settings) as factory:
        worker = OutboxWorker(factory, settings)
        if args.once:
            summary = asyncio.run(worker.run_once())
            report(summary, always=True)
            return 1 if summary.failed else 0
        started = (
            f"inbox-router: sending via {settings.smtp_host}:{settings.smtp_port} "
            f"({settings.smtp_security}); SIGTERM stops after the current mail"
        )
        run_until_signalled(worker, report, lambda: print(started, file=sys.stderr, flush=True))
    return 0


def cmd_outbox(settings: Settings, args: argparse.Namespace) -> int:
    from inbox.accounts import find_user
    from inbox.outgoing.attention import actions_for, apply, needing_attention
    from inbox.outgoing.outbox import OutboxError

    if args.verb != "list" and args.entry_id is None:
        raise CommandError(f"outbox {args.verb} needs the ID of an outbox entry")
    with database(settings) as factory, factory() as session, session.begin():
        if args.verb == "list":
            for entry in needing_attention(session):
                to = ", ".join([*(entry.to_addrs or []), *(entry.cc_addrs or [])])
                can = "/".join(a.name for a in actions_for(entry)) or "-"
                why = entry.hold_reason or entry.last_error or ""
                print(f"{entry.id}\t{entry.state}\t{entry.kind}\t{to}\t{can}\t{why}")
            return 0
        user = find_user(session, args.by) if args.by else None
        if args.by and user is None:
            raise CommandError(f"no user {args.by}")
        try:
            entry = apply(session, args.entry_id, args.verb, user, args.reason)
        except OutboxError as exc:
            print(f"inbox-router: {exc}", file=sys.stderr)
            return 1
        print(f"outbox entry {entry.id}: {entry.state}")
    return 0


def cmd_status(settings: Settings, args: argparse.Namespace) -> int:
    from inbox.report import status_report

    with database(settings) as factory, factory() as session:
        print(status_report(session))
    return 0


def cmd_users(settings: Settings, args: argparse.Namespace) -> int:
    import getpass
    import os

    from inbox.accounts import AccountError, add_user

    password = os.environ.get("INBOX_ROUTER_PASSWORD")
    if not password:
        if not sys.stdin.isatty():
            raise CommandError("set $INBOX_ROUTER_PASSWORD or run in a terminal to be asked")
        password = getpass.getpass(f"password for {args.email}: ")
        if getpass.getpass("again: ") != password:
            raise CommandError("the two passwords differ")
    with database(settings) as factory, factory() as session, session.begin():
        try:
            user, created = add_user(session, args.email, args.role, password, args.name)
        except AccountError as exc:
            raise CommandError(str(exc)) from None
        linked = f", linked to attorney {user.attorney.name}" if user.attorney else ""
        print(f"{'created' if created else 'updated'} {user.email} ({user.role}{linked})")
    return 0


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    from web.serve import serve

    open_database(settings).dispose()  # a clear error now rather than on the first page
    if (args.workers is not None and args.workers < 1) or args.threads < 1:
        raise CommandError("--workers and --threads must be at least 1")
    serve(settings, args.host, args.port, threads=args.threads, workers=args.workers)
    return 0


def cmd_demo(settings: Settings, args: argparse.Namespace) -> int:
    from web.demo import run_demo

    run_demo(settings, args.host, args.port, reset=args.reset)
    return 0


def cmd_sample(settings: Settings, args: argparse.Namespace) -> int:
    """Set up the embedded default: sample firm and mailbox through the real pipeline."""
    from inbox.db import reset_database
    from inbox.report import message_table
    from inbox.sample import load_sample

    engine = make_engine(settings)
    if args.reset:
        reset_database(engine)
    try:
        migrate(engine)
        factory = session_factory(engine)
        load_sample(settings, factory, as_of=dt.datetime.now(dt.UTC))
        with factory() as session:
            print(message_table(session))
    finally:
        engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
