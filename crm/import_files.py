"""The uploaded file of a contacts import waits server-side, bound to who uploaded it.

Step one (preview) stores the file under a random storage key and hands the browser only a
signed token of that key and the uploader's id. Step two (confirm) accepts the token only from
the same user, within a day, and only for a key of the shape storage creates; a tampered,
foreign or unknown token is refused (400) before any file is touched, so a path from the form
(``..``, another user's file) never reaches the file system or the cache.
"""

import contextlib
import os
import re

from django.core import signing
from django.core.exceptions import ValidationError

SALT = "crm.import.file"
MAX_AGE_SECONDS = 24 * 60 * 60
# What import-export's storages create: a uuid4 hex (cache, media) or a tempfile basename.
KEY_PATTERN = re.compile(r"^[A-Za-z0-9_]{6,64}$")
REFUSED = (
    "This import file is unknown or expired, or was uploaded by someone else: upload it again."
)


class ImportFileGone(Exception):
    """The stored file of a confirmed import is not there (already imported or expired)."""


def check_key(key: str) -> str:
    """Return the storage key if it has the shape storage creates, else raise ImportFileGone."""
    if not isinstance(key, str) or not KEY_PATTERN.fullmatch(key):
        raise ImportFileGone(key)
    return key


def sign_import_key(key: str, user, *, file_name: str = "") -> str:
    """The token a form carries for the stored file ``key`` of ``user`` (and its name as
    uploaded, shown when the file is kept for another try)."""
    payload = {"k": check_key(key), "u": user.pk}
    if file_name:
        payload["n"] = os.path.basename(str(file_name))[:200]
    return signing.dumps(payload, salt=SALT, compress=False)


def unsign_import_file(token: str, user) -> tuple[str, str]:
    """The storage key and the uploaded file's name inside ``token`` if ``user`` signed it in
    the last day.

    Raises ValidationError (the form's error) for anything else.
    """
    try:
        payload = signing.loads(token, salt=SALT, max_age=MAX_AGE_SECONDS)
        if payload.get("u") != user.pk:
            raise ValidationError(REFUSED, code="foreign")
        return check_key(payload.get("k")), str(payload.get("n") or "import file")
    except (signing.BadSignature, ImportFileGone, AttributeError, TypeError):
        raise ValidationError(REFUSED, code="invalid") from None


def unsign_import_key(token: str, user) -> str:
    """The storage key inside ``token`` (see ``unsign_import_file``)."""
    return unsign_import_file(token, user)[0]


def checked_storage(storage_cls):
    """A subclass of import-export's tmp storage ``storage_cls`` that refuses a key of any
    other shape than its own, and says ImportFileGone when the file is not there."""

    class CheckedStorage(storage_cls):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            if self.name is not None:
                check_key(self.name)

        def save(self, data):
            super().save(data)
            # TempFolderStorage names its file by a full path: keep the basename only.
            self.name = check_key(os.path.basename(self.name))

        def read(self):
            try:
                data = super().read()
            except (FileNotFoundError, IsADirectoryError):
                raise ImportFileGone(self.name) from None
            if data is None:
                raise ImportFileGone(self.name)
            return data

        def remove(self):
            with contextlib.suppress(FileNotFoundError):
                super().remove()

    CheckedStorage.__name__ = CheckedStorage.__qualname__ = f"Checked{storage_cls.__name__}"
    return CheckedStorage
