"""Streaming ``multipart/form-data`` reception: the ``file`` part goes straight to a sink.

Starlette's form parser spools a whole upload into a temporary file before the handler sees
it; for videos of several GiB this receiver instead hands each chunk of the ``file`` part to
a sink (the asset store's staged file, which hashes and writes it) as it arrives, and keeps
the few small text fields (``purpose``) in memory.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks

FILE_FIELD = "file"
MAX_FIELD_BYTES = 1024
MAX_FIELDS = 20


class UploadFormError(Exception):
    """The request body is not a usable upload form; ``detail`` is Chinese, for the API."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


def boundary_of(content_type: str | None) -> bytes:
    """The multipart boundary from a ``Content-Type`` header.

    Raises:
        UploadFormError: not ``multipart/form-data`` or no boundary.
    """
    kind, options = parse_options_header(content_type or "")
    boundary = options.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise UploadFormError(
            "bad_upload", "上传请求格式不正确：需要 multipart/form-data，文件放在字段 file 中"
        )
    return boundary


class MultipartReceiver:
    """Feeds a multipart body through python-multipart's streaming parser.

    Args:
        boundary: from :func:`boundary_of`.
        write_file: called with each chunk of the ``file`` part, in order; may raise.
    """

    def __init__(self, boundary: bytes, write_file: Callable[[bytes], None]) -> None:
        self.fields: dict[str, str] = {}
        self.filename = ""
        self._write_file = write_file
        self._header_name = b""
        self._header_value = b""
        self._disposition = b""
        self._part_name: str | None = None
        self._part_data = bytearray()
        self._seen_file = False
        self._complete = False
        try:
            self._parser = MultipartParser(boundary, self._callbacks())
        except FormParserError:
            raise UploadFormError("bad_upload", "上传请求格式不正确：分隔符无效") from None

    def feed(self, chunk: bytes) -> None:
        """Parse the next chunk of the body.

        Raises:
            UploadFormError: the body is malformed.
        """
        try:
            self._parser.write(chunk)
        except FormParserError:
            raise UploadFormError("bad_upload", "上传请求格式不正确，请重新上传") from None

    def finish(self) -> None:
        """Check that the body was complete and held a file.

        Raises:
            UploadFormError: the body ended early or had no ``file`` part.
        """
        if not self._complete:
            raise UploadFormError("upload_incomplete", "上传没有完成（连接中断？），请重新上传")
        if not self._seen_file:
            raise UploadFormError("missing_file", "请求中没有文件（表单字段 file）")

    def _callbacks(self) -> MultipartCallbacks:
        callbacks: dict[str, Callable[..., None]] = {
            "on_part_begin": self._on_part_begin,
            "on_header_field": self._on_header_field,
            "on_header_value": self._on_header_value,
            "on_header_end": self._on_header_end,
            "on_headers_finished": self._on_headers_finished,
            "on_part_data": self._on_part_data,
            "on_part_end": self._on_part_end,
            "on_end": self._on_end,
        }
        return cast("MultipartCallbacks", callbacks)

    def _on_part_begin(self) -> None:
        self._disposition = b""
        self._part_name = None
        self._part_data = bytearray()

    def _on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def _on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _on_header_end(self) -> None:
        if self._header_name.strip().lower() == b"content-disposition":
            self._disposition = self._header_value
        self._header_name = b""
        self._header_value = b""

    def _on_headers_finished(self) -> None:
        _, options = parse_options_header(self._disposition)
        name = _decode(options.get(b"name", b""))
        if name == FILE_FIELD:
            if self._seen_file:
                raise UploadFormError("bad_upload", "一次只能上传一个文件（字段 file）")
            self._seen_file = True
            self.filename = _decode(options.get(b"filename", b""))
        elif len(self.fields) >= MAX_FIELDS:
            raise UploadFormError("bad_upload", "上传请求的表单字段太多")
        self._part_name = name

    def _on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._part_name == FILE_FIELD:
            self._write_file(data[start:end])
            return
        self._part_data += data[start:end]
        if len(self._part_data) > MAX_FIELD_BYTES:
            raise UploadFormError("bad_upload", f"表单字段 {self._part_name} 太长")

    def _on_part_end(self) -> None:
        if self._part_name and self._part_name != FILE_FIELD:
            self.fields[self._part_name] = _decode(bytes(self._part_data))

    def _on_end(self) -> None:
        self._complete = True


def _decode(raw: bytes) -> str:
    # Header bytes as sent; browsers and requests send UTF-8 file names.
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")
