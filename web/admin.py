"""Admin pages: users, mailboxes and their health, rules, templates, classifier, audit.

Admin only. Each action view reads its fields, calls one function of the module that
owns it (web/user_admin.py, mailbox_admin.py, rules_check.py, template_editor.py,
retraining.py), commits and redirects; every change is in the audit log.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.blueprints import BlueprintSetupState

from inbox.accounts import AccountError
from inbox.audit import audit
from inbox.ingest.mailboxes import MailboxError
from inbox.models import ROLES, Mailbox, User
from inbox.settings import PROJECT_ROOT
from web import database, mailbox_admin, rules_check, rules_history, template_editor, user_admin
from web.audit_log import AuditFilters, audit_page
from web.auth import me, roles
from web.display import shown_path
from web.ids import parse_id
from web.retraining import RetrainBusy, RetrainJob, classifier_info, start_retraining

blueprint = Blueprint("admin", __name__, url_prefix="/admin")
JOB_KEY = "inbox_router_retrain"


@blueprint.record_once
def _retrain_job(setup: BlueprintSetupState) -> None:
    state = setup.app.extensions["inbox_router"]
    setup.app.extensions[JOB_KEY] = RetrainJob(
        state.factory, state.settings, on_promoted=state.forget_router
    )


def retrain_job() -> RetrainJob:
    return current_app.extensions[JOB_KEY]


def _done(text: str, endpoint: str, **args: Any) -> Any:
    database.session().commit()
    flash(text, "info")
    return redirect(url_for(endpoint, **args))


def _refused(text: str, endpoint: str, **args: Any) -> Any:
    database.session().rollback()
    flash(text, "error")
    return redirect(url_for(endpoint, **args))


@blueprint.route("/")
@roles("admin")
def index() -> Any:
    return render_template("admin/index.html")


def _folders() -> tuple[Path, ...]:
    """What paths on admin pages are shown relative to: the project, the working folder."""
    settings = database.settings()
    return (settings.models_dir, PROJECT_ROOT, Path.cwd())


# -- users ---------------------------------------------------------------------


def _user_or_404(user_id: int) -> User:
    user = database.session().get(User, user_id)
    if user is None:
        abort(404)
    return user


@blueprint.route("/users")
@roles("admin")
def users() -> Any:
    return render_template(
        "admin/users.html", users=user_admin.users(database.session()), roles=ROLES
    )


@blueprint.route("/users", methods=["POST"])
@roles("admin")
def add_user() -> Any:
    f = request.form
    try:
        user = user_admin.add(
            database.session(),
            me(),
            f.get("email", ""),
            f.get("name", ""),
            f.get("role", ""),
            f.get("password", ""),
        )
    except AccountError as exc:
        return _refused(f"User not added: {exc}", "admin.users")
    return _done(f"Added {user.email} as {user.role}.", "admin.users")


@blueprint.route("/users/<int:user_id>/role", methods=["POST"])
@roles("admin")
def change_role(user_id: int) -> Any:
    user = _user_or_404(user_id)
    try:
        user_admin.change_role(database.session(), me(), user, request.form.get("role", ""))
    except AccountError as exc:
        return _refused(f"Role not changed: {exc}", "admin.users")
    return _done(f"{user.email} is now {user.role}.", "admin.users")


@blueprint.route("/users/<int:user_id>/active", methods=["POST"])
@roles("admin")
def set_active(user_id: int) -> Any:
    user = _user_or_404(user_id)
    active = request.form.get("active") == "1"
    try:
        user_admin.set_active(database.session(), me(), user, active)
    except AccountError as exc:
        return _refused(str(exc).capitalize() + ".", "admin.users")
    state = "reactivated" if active else "deactivated"
    return _done(f"{user.email} {state}.", "admin.users")


@blueprint.route("/users/<int:user_id>/password", methods=["POST"])
@roles("admin")
def reset_password(user_id: int) -> Any:
    user = _user_or_404(user_id)
    try:
        user_admin.reset_password(database.session(), me(), user, request.form.get("password", ""))
    except AccountError as exc:
        return _refused(f"Password not changed: {exc}", "admin.users")
    return _done(f"New password set for {user.email}.", "admin.users")


@blueprint.route("/users/<int:user_id>/unlock", methods=["POST"])
@roles("admin")
def unlock_user(user_id: int) -> Any:
    user = _user_or_404(user_id)
    forgotten = user_admin.unlock(database.session(), me(), user)
    return _done(f"{user.email} unlocked ({forgotten} failed logins forgotten).", "admin.users")


# -- mailboxes -----------------------------------------------------------------


def _mailbox_or_404(mailbox_id: int) -> Mailbox:
    mailbox = database.session().get(Mailbox, mailbox_id)
    if mailbox is None:
        abort(404)
    return mailbox


def _mailboxes_page(form: mailbox_admin.MailboxForm | None = None, status: int = 200) -> Any:
    rows = mailbox_admin.mailbox_rows(database.session())
    form = form or mailbox_admin.MailboxForm.from_fields({"port": "993", "security": "ssl"})
    page = render_template("admin/mailboxes.html", mailboxes=rows, form=form)
    return page, status


@blueprint.route("/mailboxes")
@roles("admin")
def mailboxes() -> Any:
    return _mailboxes_page()


@blueprint.route("/mailboxes", methods=["POST"])
@roles("admin")
def add_mailbox() -> Any:
    form = mailbox_admin.MailboxForm.from_fields(request.form.to_dict())
    session = database.session()
    try:
        mailbox = mailbox_admin.add(session, me(), form)
    except MailboxError as exc:
        session.rollback()
        flash(f"Mailbox not added: {exc}", "error")
        return _mailboxes_page(form, 422)
    return _done(
        f"Added mailbox {mailbox.name}; test it, then `inbox-router poll` reads it.",
        "admin.mailboxes",
    )


@blueprint.route("/mailboxes/<int:mailbox_id>", methods=["GET", "POST"])
@roles("admin")
def edit_mailbox(mailbox_id: int) -> Any:
    mailbox = _mailbox_or_404(mailbox_id)
    if request.method == "GET":
        form = mailbox_admin.MailboxForm.of(mailbox)
        return render_template("admin/mailbox_edit.html", mailbox=mailbox, form=form)
    form = mailbox_admin.MailboxForm.from_fields(request.form.to_dict())
    session = database.session()
    try:
        changed = mailbox_admin.edit(session, me(), mailbox, form)
    except MailboxError as exc:
        session.rollback()
        flash(f"Mailbox not changed: {exc}", "error")
        page = render_template("admin/mailbox_edit.html", mailbox=mailbox, form=form)
        return page, 422
    text = f"Saved {', '.join(changed)}." if changed else "Nothing changed."
    return _done(f"Mailbox {mailbox.name}: {text}", "admin.mailboxes")


@blueprint.route("/mailboxes/<int:mailbox_id>/test", methods=["POST"])
@roles("admin")
def test_mailbox(mailbox_id: int) -> Any:
    mailbox = _mailbox_or_404(mailbox_id)
    result = mailbox_admin.try_connection(mailbox, database.settings().imap_ca_file)
    audit(database.session(), "mailbox_tested", user=me(), mailbox=mailbox.name, ok=result.ok)
    database.session().commit()
    flash(f"Mailbox {mailbox.name}: {result.text}", "info" if result.ok else "error")
    return redirect(url_for("admin.mailboxes"))


@blueprint.route("/mailboxes/<int:mailbox_id>/enabled", methods=["POST"])
@roles("admin")
def set_mailbox_enabled(mailbox_id: int) -> Any:
    mailbox = _mailbox_or_404(mailbox_id)
    enabled = request.form.get("enabled") == "1"
    mailbox_admin.set_enabled(database.session(), me(), mailbox, enabled)
    state = "enabled" if enabled else "disabled"
    return _done(f"Mailbox {mailbox.name} {state}.", "admin.mailboxes")


# -- rules -----------------------------------------------------------------------


@blueprint.route("/rules", methods=["GET", "POST"])
@roles("admin")
def rules() -> Any:
    """GET shows the file in use, an editor and the history; POST checks the edited text
    and, when it passes, shows the diff to confirm (intent=save writes it)."""
    settings = database.settings()
    session = database.session()
    lines, read_error = rules_check.numbered(settings.rules_path, _folders())
    current = "" if read_error else settings.rules_path.read_text(encoding="utf-8")
    check, proposed, changes, status = None, current, [], 200
    if request.method == "POST":
        proposed = rules_history.normalized(request.form.get("rules", ""))
        if request.form.get("intent") == "save":
            try:
                version = rules_history.save_rules(
                    session, me(), settings.rules_path, settings.templates_dir, proposed
                )
            except rules_history.RulesSaveError as exc:
                session.rollback()
                flash(str(exc), "error")
                check, status = exc.check, 422
            else:
                return _done(f"Saved rules version {version.id}; it is in use now.", "admin.rules")
        else:
            check = rules_check.check_rules(proposed, settings.templates_dir)
            audit(session, "rules_validated", user=me(), ok=check.ok, result=check.message)
            session.commit()
            status = 200 if check.ok else 422
        if check is None or check.ok:
            changes = rules_history.diff(current, proposed, settings.rules_path)
    page = render_template(
        "admin/rules.html",
        path=shown_path(settings.rules_path, _folders()),
        lines=lines,
        read_error=read_error,
        check=check,
        proposed=proposed,
        proposed_lines=list(enumerate(proposed.splitlines(), start=1)),
        changes=changes,
        unchanged=request.method == "POST" and proposed == current,
        versions=rules_history.versions(session),
        current_sha=rules_history.sha256(current),
    )
    return page, status


@blueprint.route("/rules/versions/<int:version_id>/rollback", methods=["POST"])
@roles("admin")
def rollback_rules(version_id: int) -> Any:
    settings = database.settings()
    try:
        version = rules_history.roll_back(
            database.session(), me(), settings.rules_path, settings.templates_dir, version_id
        )
    except rules_history.RulesSaveError as exc:
        return _refused(f"Not rolled back: {exc}", "admin.rules")
    return _done(
        f"Rolled back to version {version_id} (saved as version {version.id}); it is in use now.",
        "admin.rules",
    )


# -- templates -------------------------------------------------------------------


@blueprint.route("/templates")
@roles("admin")
def templates() -> Any:
    names = template_editor.list_templates(database.settings().templates_dir)
    return render_template("admin/templates.html", names=names)


def _message_arg(value: str | None) -> int | None:
    return parse_id(value)


@blueprint.route("/templates/<path:name>", methods=["GET", "POST"])
@roles("admin")
def edit_template(name: str) -> Any:
    """GET shows the file and its preview; POST previews or saves the edited text."""
    session = database.session()
    try:
        path = template_editor.template_path(database.settings().templates_dir, name)
    except template_editor.TemplateEditError:
        abort(404)
    if request.method == "POST":
        source = request.form.get("source", "")
        message_id = _message_arg(request.form.get("message"))
    else:
        source = path.read_text(encoding="utf-8")
        message_id = _message_arg(request.args.get("message"))
        message_id = message_id or template_editor.suggested_message(session, name)
    router = database.state().router()
    status = 200
    if request.form.get("intent") == "save":
        try:
            backup = template_editor.save_template(session, router, me(), name, source, message_id)
        except template_editor.TemplateEditError as exc:
            session.rollback()
            flash(str(exc), "error")
            status = 422
        else:
            return _done(
                f"Saved {name}; the previous version is {backup.name}.",
                "admin.edit_template",
                name=name,
                message=message_id,
            )
    result = template_editor.preview(session, router, name, source, message_id)
    page = render_template("admin/template_edit.html", name=name, source=source, preview=result)
    return page, status


# -- classifier ------------------------------------------------------------------


@blueprint.route("/classifier")
@roles("admin")
def classifier() -> Any:
    info = classifier_info(database.session(), database.settings())
    return render_template("admin/classifier.html", info=info, job=retrain_job().status())


@blueprint.route("/classifier/retrain", methods=["POST"])
@roles("admin")
def retrain() -> Any:
    try:
        start_retraining(database.session(), retrain_job(), me())
    except RetrainBusy as exc:
        return _refused(f"Not started: {exc}.", "admin.classifier")
    return _done("Retraining started; this page shows the result.", "admin.classifier")


# -- audit log -------------------------------------------------------------------


@blueprint.route("/audit")
@roles("admin")
def audit_log() -> Any:
    filters = AuditFilters.from_args(request.args)
    page = audit_page(database.session(), filters)
    return render_template("admin/audit.html", page=page, filters=filters)
