"""Uploaded documents are accepted by content and structure: plain PDFs and images only."""

import io
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, NumberObject, TextStringObject

from hetao.uploads import check_document


def pdf(build=None) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    if build:
        build(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def png(text_chunk: bytes | None = None) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(out, format="PNG")
    data = out.getvalue()
    if text_chunk is None:
        return data
    chunk = b"tEXt" + text_chunk
    extra = struct.pack(">I", len(text_chunk)) + chunk + struct.pack(">I", zlib.crc32(chunk))
    return data[:33] + extra + data[33:]  # after the IHDR chunk


def upload(content: bytes, name="file.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def refused_code(content: bytes, name="file.pdf") -> str:
    with pytest.raises(ValidationError) as refused:
        check_document(upload(content, name))
    return refused.value.code


def _document_javascript(writer):
    script = writer._add_object(
        DictionaryObject(
            {NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert(1)")}
        )
    )
    names = DictionaryObject({NameObject("/Names"): ArrayObject([TextStringObject("hello"), script])})
    writer._root_object[NameObject("/Names")] = DictionaryObject({NameObject("/JavaScript"): names})


def _open_action(action: dict):
    def build(writer):
        writer._root_object[NameObject("/OpenAction")] = DictionaryObject(
            {NameObject(key): value for key, value in action.items()}
        )

    return build


def test_a_plain_pdf_and_one_that_opens_at_its_first_page_are_accepted():
    assert check_document(upload(pdf())).content_type == "application/pdf"

    def open_at_first_page(writer):
        writer._root_object[NameObject("/OpenAction")] = ArrayObject(
            [writer.pages[0].indirect_reference, NameObject("/Fit")]
        )

    assert check_document(upload(pdf(open_at_first_page))).content_type == "application/pdf"


@pytest.mark.parametrize(
    "build",
    [
        pytest.param(_document_javascript, id="document-javascript"),
        pytest.param(
            _open_action({"/S": NameObject("/JavaScript"), "/JS": TextStringObject("app.alert(1)")}),
            id="open-action-javascript",
        ),
        pytest.param(
            _open_action({"/S": NameObject("/Launch"), "/F": TextStringObject("calc.exe")}), id="launch-action"
        ),
        pytest.param(lambda writer: writer.add_attachment("payload.exe", b"MZ\x90\x00"), id="embedded-file"),
        pytest.param(
            lambda writer: writer.pages[0].__setitem__(
                NameObject("/AA"),
                DictionaryObject(
                    {
                        NameObject("/O"): DictionaryObject(
                            {NameObject("/S"): NameObject("/GoTo"), NameObject("/D"): ArrayObject([NumberObject(0)])}
                        )
                    }
                ),
            ),
            id="page-open-action",
        ),
    ],
)
def test_a_pdf_with_active_content_is_refused(build):
    assert refused_code(pdf(build)) == "file_active_content"


def test_a_pdf_with_an_escaped_javascript_name_is_refused():
    content = pdf().replace(b"/Type /Catalog", b"/Type /Catalog /J#61vaScript 1 0 R", 1)
    assert refused_code(content) == "file_active_content"


def test_a_pdf_with_an_html_tail_is_refused():
    assert refused_code(pdf() + b"\n<html><script>alert(1)</script></html>\n") == "file_active_content"


def test_a_png_html_zip_polyglot_is_refused():
    archive = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("index.html", "<script>alert(1)</script>")
    polyglot = png(b"Comment\x00<html><body><script>alert(1)</script></body></html>") + archive.getvalue()
    assert refused_code(polyglot, "photo.png") == "file_active_content"


def test_a_png_with_only_a_zip_appended_is_refused():
    assert refused_code(png() + b"PK\x03\x04" + b"\x00" * 40, "photo.png") == "file_active_content"


def test_a_jpeg_with_trailing_data_is_refused_and_a_plain_one_accepted():
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "blue").save(out, format="JPEG")
    assert check_document(upload(out.getvalue(), "photo.jpg")).content_type == "image/jpeg"
    assert refused_code(out.getvalue() + b"<html></html>", "photo.jpg") == "file_active_content"


def test_a_plain_png_is_accepted():
    assert check_document(upload(png(b"Software\x00Paint"), "photo.png")).content_type == "image/png"
