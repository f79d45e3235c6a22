"""Documents load from txt, md, html and pdf with their metadata; bad files are skipped."""

import pytest

from qa.errors import LoadError
from qa.ingest.loader import load, scan

from .support import PLAIN, SEEDS, SPUN


def test_seed_metadata():
    files, skipped = scan([SEEDS])
    assert skipped == []
    docs = {f.doc_id: load(f) for f in files}
    plain = docs[PLAIN]
    assert plain.byline == "Maria Ortiz"
    assert (plain.date, plain.date_text) == ("2024-08-06T20:00", "06 Aug 2024, 20:00 PM EDT")
    # no headline: the first sentence cut at a word (not the byline), with the file name beside it
    assert plain.title == ("The United States-People’s Republic of China Counternarcotics Working Group (CNWG)… "
                           f"({PLAIN})")
    assert plain.text == (SEEDS / PLAIN).read_text(encoding="utf-8")  # no normalisation of txt
    assert docs[SPUN].title.startswith("A delegation together with officers")
    assert len(docs[SPUN].title.split(" (")[0]) <= 91 and docs[SPUN].title.endswith(f"… ({SPUN})")
    assert (docs[SPUN].date, docs[SPUN].date_text, docs[SPUN].byline) == (None, None, None)
    import hashlib

    assert plain.sha256 == hashlib.sha256((SEEDS / PLAIN).read_bytes()).hexdigest()


def test_html_main_text_without_scripts_or_navigation(tmp_path):
    (tmp_path / "a.html").write_text(
        "<html><head><title>Port seizure report</title><script>var tracker = 1;</script></head><body>"
        "<nav><a href='/'>Home</a> | <a href='/world'>World</a></nav>"
        "<article><h1>Port seizure report</h1>"
        + "".join(f"<p>Customs officers at the port seized shipment number {i} of precursor chemicals "
                  f"bound for a laboratory, officials said on Tuesday.</p>" for i in range(6))
        + "</article><footer>Copyright 2024 Example News</footer></body></html>",
        encoding="utf-8",
    )
    files, _ = scan([tmp_path])
    doc = load(files[0])
    assert doc.title == "Port seizure report"
    assert "shipment number 3 of precursor chemicals" in doc.text
    assert "tracker" not in doc.text and "Copyright" not in doc.text and "World" not in doc.text


def test_pdf_text(tmp_path):
    pdf = _tiny_pdf("Fentanyl precursor controls announced in August")
    (tmp_path / "report.pdf").write_bytes(pdf)
    files, _ = scan([tmp_path])
    doc = load(files[0])
    assert "Fentanyl precursor controls announced" in doc.text


def test_bad_files_raise_one_line_errors(tmp_path):
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "blank.md").write_text("  \n\n ")
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02PK" * 100)
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4 this is not really a pdf")
    files, skipped = scan([tmp_path])
    assert sorted(f.doc_id for f in files) == ["binary.txt", "blank.md", "broken.pdf", "empty.txt"] and not skipped
    for f in files:
        with pytest.raises(LoadError) as info:
            load(f)
        assert "\n" not in str(info.value)


def test_unsupported_types_are_listed_as_skipped(tmp_path):
    (tmp_path / "photo.jpg").write_bytes(b"\xff\xd8\xff")
    (tmp_path / ".hidden.txt").write_text("secret")
    files, skipped = scan([tmp_path])
    assert files == []
    assert skipped == [("photo.jpg", "unsupported file type '.jpg'")]


def test_scan_walks_sub_folders_in_path_order_and_leaves_hidden_folders_out(tmp_path):
    """The walk (os.scandir) lists what Path.rglob did, in the same order: by path parts, so a folder's files
    come before a sibling whose name sorts between ("a/b.txt" before "a-c.txt")."""
    for rel in ["a-c.txt", "a/b.txt", "a/z/d.md", "b.html", ".drafts/x.txt", "a/.swp.txt", "c/e.txt"]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("Words enough for a file.", encoding="utf-8")
    (tmp_path / "linked").symlink_to(tmp_path / "a", target_is_directory=True)
    files, skipped = scan([tmp_path])
    assert [f.doc_id for f in files] == ["a/b.txt", "a/z/d.md", "a-c.txt", "b.html", "c/e.txt"]
    assert [f.path for f in files] == [tmp_path / f.doc_id for f in files]
    assert skipped == [("linked", "a link to a file of unsupported type '(none)'")]  # listed, not descended


def test_invalid_utf8_still_loads(tmp_path):
    (tmp_path / "latin.txt").write_bytes("Caf\xe9 owners said the na\xefve plan failed.".encode("latin-1"))
    files, _ = scan([tmp_path])
    assert load(files[0]).text == "Café owners said the naïve plan failed."


def _tiny_pdf(line: str) -> bytes:
    """A one-page PDF with one line of text, written by hand (no PDF library needed to make it)."""
    stream = f"BT /F1 12 Tf 72 720 Td ({line}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = b"%PDF-1.4\n", []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return out
