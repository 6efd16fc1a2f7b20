"""What the management commands share: reading the file a person names."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError


def read_input_file(name: object) -> tuple[Path, bytes]:
    """The path and bytes of the file a command was given, within the upload size bound
    (``MRN_MAX_UPLOAD_BYTES``, as on the upload pages); CommandError with what to do otherwise."""
    path = Path(str(name))
    try:
        size = path.stat().st_size
        if size > settings.MRN_MAX_UPLOAD_BYTES:
            raise CommandError(
                f"{path} has {size:,} bytes; at most {settings.MRN_MAX_UPLOAD_BYTES:,} are accepted."
                " Split it into several files."
            )
        return path, path.read_bytes()
    except OSError as exc:
        raise CommandError(f"Cannot read {path}: {exc.strerror}.") from exc
