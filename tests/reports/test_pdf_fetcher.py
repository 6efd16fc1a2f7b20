"""PDFs fetch nothing but the project's own static files, and no text reaches CSS unescaped.

A local HTTP server stands for an attacker's (or an internal) address: it must never be asked
for anything while a PDF is rendered.
"""

from __future__ import annotations

import http.server
import io
import threading
from pathlib import Path

import pytest
import tinycss2
from django.conf import settings
from pypdf import PdfReader

from capabilities.models import Country
from reports import pdf

from ._report_data import fill


@pytest.fixture
def server():
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/css")
            self.end_headers()
            self.wfile.write(b'body::after { content: "FETCHED" }')

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", hits
    httpd.shutdown()


def text_of(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_only_data_uris_and_static_files_are_allowed(tmp_path):
    static = Path(settings.BASE_DIR) / "static" / "css" / "print.css"
    assert pdf.allowed_url(static.as_uri())
    assert pdf.allowed_url("data:image/svg+xml;base64,PHN2Zy8+")
    outside = tmp_path / "secret.css"
    outside.write_text("x")
    for url in (
        outside.as_uri(),
        "file:///etc/passwd",
        (Path(settings.BASE_DIR) / "static" / ".." / "manage.py").as_uri(),
        "http://127.0.0.1/",
        "https://example.org/x.png",
        "ftp://example.org/x",
        "file://example.org/etc/passwd",
    ):
        assert not pdf.allowed_url(url), url


def test_render_pdf_fetches_no_url_and_reads_no_other_file(server, tmp_path):
    base, hits = server
    secret = tmp_path / "secret.css"
    secret.write_text('body::before { content: "SECRET FILE" }')
    html = (
        "<html lang='en'><head><title>t</title>"
        f"<link rel='stylesheet' href='{base}/style.css'>"
        f"<link rel='stylesheet' href='{secret.as_uri()}'>"
        f"<style>@import url({base}/import.css);</style></head>"
        f"<body><p>Body</p><img src='{base}/img.png' alt='x'></body></html>"
    )
    text = text_of(pdf.render_pdf(html))
    assert "Body" in text
    assert hits == []
    assert "SECRET FILE" not in text and "FETCHED" not in text


def test_country_name_and_answer_cannot_break_out_of_css_or_fetch(
    server, cycle, assessment_a, questions, focal_a
):
    base, hits = server
    attack = f'Ghana\r}} @page {{ @top-center {{ content: url({base}/leak) }} }} x {{ "\\'
    Country.objects.filter(pk=assessment_a.country_id).update(name_en=attack, name_fr=attack)
    assessment_a.country.refresh_from_db()
    answer_attack = f"<img src='{base}/answer.png'><link rel=stylesheet href='{base}/a.css'>"
    fill(assessment_a, questions, focal_a, comments={"C01.strategy": answer_attack})
    css = str(pdf.page_css(header=attack, generated="g", illustrative=False))
    rules = [r for r in tinycss2.parse_stylesheet(css) if r.type not in ("whitespace", "comment")]
    assert len(rules) == 1 and rules[0].at_keyword == "page"  # nothing broke out of @page
    boxes = [t for t in rules[0].content if t.type == "at-keyword"]
    assert [b.value for b in boxes] == ["top-left", "top-right", "bottom-left", "bottom-right"]
    first = next(t for t in rules[0].content if t.type == "{} block")
    assert [t.value for t in first.content if t.type == "string"] == [attack]
    data = pdf.country_report_pdf(assessment_a, lang="en")
    assert hits == []
    assert "Ghana" in text_of(data)
