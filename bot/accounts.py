"""Staff accounts: who may log in to /admin, with which role. Plain Python, no Flask.

Passwords are kept only as werkzeug.security hashes (scrypt, salted, with its cost in the
hash so a later werkzeug can raise it): werkzeug comes with Flask already, is maintained
by the Pallets team, and its check is constant-time. Roles grow: an editor drafts and
reviews questions, a publisher may also publish, an admin may also manage accounts.

The shared password of ADMIN_PASSWORD_HASH is a bootstrap: it opens /admin (as an admin
without a name) only while no active staff account exists. Once the first one is made
(`nakabot staff add NAME --role admin`) it is refused, so every change after that has a
person's name in the audit log.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from werkzeug.security import check_password_hash, generate_password_hash

from bot.store import ROLES, StaffAccount, Store

ROLE_LABELS = {"editor": "編集者", "publisher": "公開者", "admin": "管理者"}
SHARED = "共有パスワード"  # the actor of a session opened with ADMIN_PASSWORD_HASH
MIN_PASSWORD = 12
MAX_NAME = 40
# Checked when the name is unknown, so an unknown name costs as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not a password of anyone")


@dataclass(frozen=True)
class Login:
    name: str | None  # None: the shared bootstrap password
    role: str

    @property
    def actor(self) -> str:
        return self.name or SHARED


def may(role: str, needed: str) -> bool:
    """Whether `role` may do what `needed` may (admin > publisher > editor)."""
    return role in ROLES and ROLES.index(role) >= ROLES.index(needed)


def hash_password(password: str) -> str:
    return generate_password_hash(password)  # scrypt, werkzeug's default


def name_problem(name: str) -> str | None:
    """Why a name cannot be an account's (in Japanese), or None."""
    if not name or len(name) > MAX_NAME:
        return f"名前は1〜{MAX_NAME}文字にしてください。"
    if any(unicodedata.category(c)[0] in "CZ" for c in name):
        return "名前に空白や制御文字は使えません。"
    return None


def password_problem(password: str) -> str | None:
    if len(password) < MIN_PASSWORD:
        return f"パスワードは{MIN_PASSWORD}文字以上にしてください。"
    return None


def authenticate(store: Store, name: str, password: str, shared_hash: str | None) -> Login | None:
    """Who logs in with this name and password, or None. StoreError when the store fails."""
    name = name.strip()
    if name:
        account: StaffAccount | None = store.staff_account(name)
        if account is None or not account.active:
            check_password_hash(_DUMMY_HASH, password)
            return None
        if not check_password_hash(account.password_hash, password):
            return None
        return Login(account.name, account.role)
    if shared_hash and store.active_staff_count() == 0 and check_password_hash(shared_hash, password):
        return Login(None, "admin")
    return None


def current(store: Store, staff: str | None) -> Login | None:
    """The login behind a live session, as the accounts are now (a role change counts at once)."""
    if staff is None:
        return Login(None, "admin") if store.active_staff_count() == 0 else None
    account = store.staff_account(staff)
    if account is None or not account.active:
        return None
    return Login(account.name, account.role)
