"""Uploads are read only up to the size any form accepts, so an oversized file never fills memory or disk."""

from __future__ import annotations

from django.core.files.uploadhandler import FileUploadHandler, SkipFile

# The largest file any form takes (an article as a .txt file).
MAX_UPLOAD_BYTES = 2 * 1024 * 1024


def skipped_uploads(request) -> set[str]:
    """Return the names of the file fields whose upload was dropped for being too large."""
    return getattr(request, "skipped_uploads", set())


class SizeLimitedUploadHandler(FileUploadHandler):
    """Drop a file as soon as it passes MAX_UPLOAD_BYTES; the other fields of the form are still read.

    It runs before Django's own handlers, which would otherwise keep reading
    the whole file into a temporary file before any form could refuse it.
    """

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        if start + len(raw_data) > MAX_UPLOAD_BYTES:
            if self.request is not None:
                self.request.skipped_uploads = skipped_uploads(self.request) | {self.field_name}
            raise SkipFile
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the next handler builds the file
