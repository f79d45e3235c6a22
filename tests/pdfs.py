"""Files made byte by byte for the tests: small PDFs (any page streams, copies, a title) and one file as scanned."""
from __future__ import annotations

import zlib
from pathlib import Path


def pdf_bytes(page_streams: list[bytes], copies: int = 1, title: str | None = None) -> bytes:
    """A PDF whose pages draw `page_streams` (Flate-compressed), the whole list repeated `copies` times.

    Repeated pages share one content stream object, so a file of a few KB can hold thousands of pages or
    megabytes of text: the shape of a PDF bomb.
    """
    objs: list[bytes] = [b"<< /Type /Catalog /Pages 2 0 R >>", b"", b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    streams = []
    for s in page_streams:
        data = zlib.compress(s, 9)
        objs.append(b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream")
        streams.append(len(objs))
    kids = []
    for _ in range(copies):
        for sid in streams:
            objs.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
                        b"/Resources << /Font << /F1 3 0 R >> >> >>" % sid)
            kids.append(len(objs))
    objs[1] = b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % k for k in kids) + b"] /Count %d >>" % len(kids)
    info = None
    if title is not None:
        objs.append(b"<< /Title (" + title.encode("latin-1") + b") >>")
        info = len(objs)
    out, offsets = b"%PDF-1.4\n", []
    for i, body in enumerate(objs, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1) + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    trailer = b"/Size %d /Root 1 0 R" % (len(objs) + 1) + (b" /Info %d 0 R" % info if info else b"")
    return out + b"trailer\n<< " + trailer + b" >>\nstartxref\n%d\n%%%%EOF\n" % xref


def text_ops(sentence: str, times: int) -> bytes:
    """A page stream drawing `sentence` `times` times."""
    return (b"BT /F1 12 Tf 72 720 Td (" + sentence.encode() + b") Tj ET\n") * times


def one_file(folder: Path, name: str, data: bytes):
    """`data` written as `folder`/`name`, returned as the one file the loader's scan finds there."""
    from qa.ingest.loader import scan

    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)
    files, skipped = scan([folder])
    assert skipped == [] and len(files) == 1
    return files[0]
