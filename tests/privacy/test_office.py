"""Text of Word, PowerPoint and OpenDocument files for scans: real documents written by
python-docx, and PresentationML and ODF packages written here; python-docx reads the same
Word text independently."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from tianping.privacy import _office
from tianping.privacy._office import paragraphs
from tianping.privacy._scan import scan_file

MOBILE, ID, EMAIL = "13812345678", "11010519491231002X", "li.lei@example.com"


def _docx(path: Path) -> Path:
    import docx

    d = docx.Document()
    d.add_paragraph("劳动合同 / Employment contract")
    p = d.add_paragraph("乙方手机：")
    for piece in (MOBILE[:3], MOBILE[3:7], MOBILE[7:]):  # one number over three runs
        p.add_run(piece).bold = True
    table = d.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "身份证号"
    table.cell(0, 1).text = ID
    d.sections[0].header.paragraphs[0].text = f"联系 {EMAIL}"
    d.add_comment(p.runs, text=f"核对手机 {MOBILE}", author="HR")
    d.save(str(path))
    return path


def test_word_text_is_scanned_part_by_part(tmp_path: Path) -> None:
    import docx

    path = _docx(tmp_path / "contract.docx")
    parts = dict(paragraphs(path, "docx"))
    body = [p.text for p in docx.Document(str(path)).paragraphs]  # an independent reader
    assert parts["document"][: len(body)] == body  # the table's paragraphs come after
    assert parts["document"][1] == f"乙方手机：{MOBILE}"  # the runs joined
    assert ID in parts["document"] and f"联系 {EMAIL}" in parts["header1"]
    assert parts["comments"] == [f"核对手机 {MOBILE}"]
    rep, found = scan_file(path)
    assert rep.status == "ok" and rep.format == "docx"
    assert rep.counts == {"cn_mobile": 2, "cn_resident_id": 1, "email": 1}
    got = {(f.column, f.row, f.start, f.pi_type) for f in found}
    assert ("document", 2, 5, "cn_mobile") in got  # row: the paragraph's number in its part
    assert ("comments", 1, 5, "cn_mobile") in got
    assert MOBILE not in rep.model_dump_json() + "".join(f.preview for f in found)


def _pptx(path: Path) -> Path:
    a = "http://schemas.openxmlformats.org/drawingml/2006/main"
    p = "http://schemas.openxmlformats.org/presentationml/2006/main"

    def slide(*paras: list[str], notes: bool = False) -> str:
        body = "".join(
            "<a:p>" + "".join(f"<a:r><a:t>{r}</a:t></a:r>" for r in runs) + "</a:p>"
            for runs in paras
        )
        root = "p:notes" if notes else "p:sld"
        return (
            f'<{root} xmlns:a="{a}" xmlns:p="{p}"><p:cSld><p:spTree><p:sp><p:txBody>'
            f"{body}</p:txBody></p:sp></p:spTree></p:cSld></{root}>"
        )

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("ppt/slides/slide2.xml", slide(["客户名单"], ["张伟 ", MOBILE[:6], MOBILE[6:]]))
        zf.writestr("ppt/slides/slide10.xml", slide([f"邮箱 {EMAIL}"]))
        zf.writestr("ppt/notesSlides/notesSlide2.xml", slide([f"身份证 {ID}"], notes=True))
    return path


def test_slides_and_notes_are_scanned_in_order(tmp_path: Path) -> None:
    path = _pptx(tmp_path / "deck.pptx")
    parts = list(paragraphs(path, "pptx"))
    assert [name for name, _ in parts] == ["slide2", "notes2", "slide10"]  # by number
    assert parts[0][1] == ["客户名单", f"张伟 {MOBILE}"]
    rep, found = scan_file(path)
    assert rep.status == "ok" and rep.format == "pptx" and rep.rows == 4
    # (张伟 right before the number is a name)
    assert rep.counts == {"cn_mobile": 1, "cn_resident_id": 1, "email": 1, "person_name_zh": 1}
    assert {(f.column, f.row) for f in found} == {("slide2", 2), ("notes2", 1), ("slide10", 1)}


def test_slides_and_notes_are_numbered_as_shown(tmp_path: Path) -> None:
    """Labels follow the show's slide list, not file names, and a notes page is numbered
    as its slide (python-pptx names notes files in the order they were made)."""
    from pptx import Presentation

    prs = Presentation()
    for k in (1, 2, 3):
        slide = prs.slides.add_slide(prs.slide_layouts[1])
        slide.shapes.title.text = f"title {k}"
    for k in (3, 1):  # notesSlide1.xml is slide 3's
        prs.slides[k - 1].notes_slide.notes_text_frame.text = f"note {k} {MOBILE}"
    listed = prs.slides._sldIdLst
    listed.insert(0, listed[2])  # slide3.xml is shown first
    path = tmp_path / "deck.pptx"
    prs.save(path)
    parts = dict(paragraphs(path, "pptx"))
    assert [k for k in parts if k != "properties"] == [
        "slide1", "notes1", "slide2", "notes2", "slide3"
    ]  # fmt: skip
    assert (parts["slide1"][0], parts["notes1"], parts["notes2"]) == (
        "title 3", [f"note 3 {MOBILE}"], [f"note 1 {MOBILE}"]
    )  # fmt: skip
    rep, found = scan_file(path)
    assert rep.status == "ok"
    assert sorted(f.column for f in found if f.pi_type == "cn_mobile") == ["notes1", "notes2"]


def test_opendocument_text_is_scanned(tmp_path: Path) -> None:
    t = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
    o = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
    content = (
        f'<office:document-content xmlns:office="{o}" xmlns:text="{t}"><office:body>'
        "<office:text><text:h>通知</text:h><text:p>请联系<text:span>王芳</text:span>，手机"
        f"<text:span>{MOBILE[:5]}</text:span>{MOBILE[5:]}。</text:p>"
        "</office:text></office:body></office:document-content>"
    )
    path = tmp_path / "letter.odt"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        zf.writestr("content.xml", content)
    assert list(paragraphs(path, "odt")) == [("content", ["通知", f"请联系王芳，手机{MOBILE}。"])]
    rep, found = scan_file(path)
    assert rep.counts.get("cn_mobile") == 1 and found[0].column == "content"


def test_broken_and_oversized_documents_are_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = tmp_path / "bad.docx"
    bad.write_bytes(b"PK\x03\x04 not really a zip " + MOBILE.encode())
    rep, _ = scan_file(bad)
    assert rep.status == "error" and "not a readable docx file" in str(rep.message)
    assert MOBILE not in str(rep.message)
    big = _docx(tmp_path / "big.docx")
    monkeypatch.setattr(_office, "MAX_PART_BYTES", 100)
    rep, _ = scan_file(big)
    assert rep.status == "error" and "unpacks to" in str(rep.message)


def _pdf(path: Path, pages: list[list[str]]) -> Path:
    """A PDF with a text layer: each page's lines in Helvetica, written by hand."""
    objs = ["<< /Type /Catalog /Pages 2 0 R >>", ""]
    kids = []
    for lines in pages:
        ops = "BT /F1 11 Tf 72 720 Td " + " ".join(f"({t}) Tj 0 -14 Td" for t in lines) + " ET"
        stream = ops.encode("latin-1")
        objs.append(f"<< /Length {len(stream)} >>\nstream\n{ops}\nendstream")
        content = len(objs)
        objs.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {content} 0 R "
            "/Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica "
            ">> >> >> >>"
        )
        kids.append(f"{len(objs)} 0 R")
    objs[1] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(kids)} >>"
    out, offsets = b"%PDF-1.4\n", []
    for i, body in enumerate(objs, start=1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    path.write_bytes(out)
    return path


def test_pdf_text_is_scanned_page_by_page(tmp_path: Path) -> None:
    pytest.importorskip("pypdf")
    from pypdf import PdfReader, PdfWriter

    path = _pdf(tmp_path / "form.pdf", [["Application form"], ["Name: Li Lei", f"Tel {MOBILE}",
                                                                   f"Mail {EMAIL}"]])  # fmt: skip
    assert [p.extract_text() for p in PdfReader(str(path)).pages][1].startswith("Name")
    rep, found = scan_file(path)
    assert rep.status == "ok" and rep.format == "pdf" and rep.rows == 4
    assert rep.counts == {"cn_mobile": 1, "email": 1, "person_name_en": 1}
    assert {(f.column, f.row, f.pi_type) for f in found} >= {("page2", 2, "cn_mobile")}
    # a password-protected copy: skipped with the reason, not read as empty
    writer = PdfWriter(clone_from=str(path))
    writer.encrypt("secret")
    locked = tmp_path / "locked.pdf"
    with locked.open("wb") as fh:
        writer.write(fh)
    rep, _ = scan_file(locked)
    assert rep.status == "error" and "encrypted PDF" in str(rep.message)
    # pages without a text layer (a scan): said so
    blank = _pdf(tmp_path / "scan.pdf", [[], []])
    rep, _ = scan_file(blank)
    assert rep.status == "ok" and "no text layer" in rep.problems[0].message


def test_word_and_powerpoint_are_deidentified_in_place(tmp_path: Path) -> None:
    """The PI in a document's text is replaced where it stands (a value split over runs
    goes into the run it starts in); every member without text, and every byte of the
    parts besides the values, stays as it was. python-docx reads the result."""
    import docx

    from tianping.privacy._deid import deid_path
    from tianping.privacy._policy import parse_policy

    pol = parse_policy(
        "types:\n  cn_mobile: {action: mask, keep_start: 3}\n  '*': {action: redact}\n"
    )
    for src in (_docx(tmp_path / "contract.docx"), _pptx(tmp_path / "deck.pptx")):
        kind = src.suffix[1:]
        scanned, _ = scan_file(src)
        out = tmp_path / f"clean.{kind}"
        f = deid_path(src, out, pol).files[0]
        found = {k: v for k, v in f.replaced.items() if k != "document_author"}
        assert f.format == kind and found == scanned.counts
        assert scan_file(out)[0].counts == {}  # nothing left to find
        with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out) as zout:
            assert zin.namelist() == zout.namelist()
            for name in zin.namelist():
                before, after = zin.read(name), zout.read(name)
                assert not any(v.encode() in after for v in (MOBILE, ID, EMAIL)), name
                people = _office.person_fields(name) is not None  # authors blanked there
                # PI whole or split over runs (a mobile's first digits stand in the first)
                pi = any(v.encode() in before for v in (MOBILE[:3], ID, EMAIL))
                if not people and not pi:
                    assert before == after, name  # parts without PI: byte for byte
    d = docx.Document(str(tmp_path / "clean.docx"))
    runs = [r.text for r in d.paragraphs[1].runs]
    # the value went into the run it starts in; the runs it continued in are empty now
    assert runs[:2] == ["乙方手机：", "138********"] and not any(runs[2:])
    assert d.sections[0].header.paragraphs[0].text == "联系 [EMAIL]"
    # other office formats are still refused with advice (97-2003: tests/privacy/test_legacy)
    book = tmp_path / "book.xlsb"
    book.write_bytes(b"PK\x03\x04")
    with pytest.raises(Exception, match="export"):
        deid_path(book, tmp_path / "b.xls", pol)


def _hidden_places(path: Path) -> Path:
    """The Word document with PI where its text does not show: deleted text of a tracked
    change (by a named author), a field code, and a hyperlink's mailto: target."""
    with zipfile.ZipFile(path) as zf:
        members = {i.filename: zf.read(i) for i in zf.infolist()}
    doc = members["word/document.xml"].decode()
    extra = (
        '<w:p><w:del w:id="90" w:author="王五" w:date="2024-01-01T00:00:00Z"><w:r>'
        '<w:delText xml:space="preserve">旧手机 13912345678</w:delText></w:r></w:del><w:r>'
        '<w:instrText xml:space="preserve"> HYPERLINK "mailto:wang@example.cn" </w:instrText>'
        "</w:r></w:p>"
    )
    members["word/document.xml"] = doc.replace("<w:sectPr", extra + "<w:sectPr", 1).encode()
    rels = members["word/_rels/document.xml.rels"].decode()
    link = (
        '<Relationship Id="rId99" Type="http://schemas.openxmlformats.org/officeDocument/'
        '2006/relationships/hyperlink" Target="mailto:zhao@example.cn" TargetMode="External"/>'
    )
    members["word/_rels/document.xml.rels"] = rels.replace(
        "</Relationships>", link + "</Relationships>"
    ).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def test_pi_where_word_does_not_show_it(tmp_path: Path) -> None:
    """Deleted text of tracked changes, field codes, link targets and authors hold PI the
    page does not show: scanned, and de-identified (authors blanked)."""
    import docx

    from tianping.privacy._deid import deid_path
    from tianping.privacy._policy import parse_policy

    src = _hidden_places(_docx(tmp_path / "tracked.docx"))
    parts = dict(paragraphs(src, "docx"))
    assert "旧手机 13912345678" in parts["document"][-1]
    assert parts["links"] == ["mailto:zhao@example.cn"]
    assert "王五" in parts["properties"]
    rep, _ = scan_file(src)
    assert rep.counts["email"] == 3 and rep.counts["cn_mobile"] == 3
    out = tmp_path / "clean.docx"
    f = deid_path(src, out, parse_policy("types:\n  '*': {action: redact}\n")).files[0]
    assert f.replaced["document_author"] == 3  # creator, commenter, tracked-change author
    with zipfile.ZipFile(out) as zf:
        blob = b"".join(zf.read(n) for n in zf.namelist())
    for raw in ("13912345678", "wang@example.cn", "zhao@example.cn", "王五", MOBILE, EMAIL):
        assert raw.encode() not in blob, raw
    assert b'Target="mailto:[EMAIL]"' in blob
    assert docx.Document(str(out)).paragraphs[0].text == "劳动合同 / Employment contract"


def test_smartart_charts_and_embedded_files(tmp_path: Path) -> None:
    """SmartArt boxes and chart titles are DrawingML text: scanned and de-identified; an
    embedded file that cannot be read is copied and named in warnings."""
    from tianping.privacy._deid import deid_path
    from tianping.privacy._policy import parse_policy

    a = "http://schemas.openxmlformats.org/drawingml/2006/main"
    src = _docx(tmp_path / "report.docx")
    with zipfile.ZipFile(src, "a") as zf:
        zf.writestr(
            "word/diagrams/data1.xml",
            f'<dgm:dataModel xmlns:dgm="urn:dgm" xmlns:a="{a}"><dgm:ptLst><dgm:pt><dgm:t>'
            "<a:p><a:r><a:t>联系 13712345678</a:t></a:r></a:p></dgm:t></dgm:pt></dgm:ptLst>"
            "</dgm:dataModel>",
        )
        zf.writestr(
            "word/charts/chart1.xml",
            f'<c:chartSpace xmlns:c="urn:c" xmlns:a="{a}"><c:chart><c:title><c:tx><c:rich>'
            "<a:p><a:r><a:t>负责人电话 13612345678</a:t></a:r></a:p></c:rich></c:tx></c:title>"
            "</c:chart></c:chartSpace>",
        )
        zf.writestr("word/embeddings/Sheet1.xlsx", b"PK\x03\x04 embedded workbook")
    parts = dict(paragraphs(src, "docx"))
    assert parts["diagram1"] == ["联系 13712345678"] and parts["chart1"] == [
        "负责人电话 13612345678"
    ]
    out = tmp_path / "clean.docx"
    f = deid_path(src, out, parse_policy("types:\n  '*': {action: redact}\n")).files[0]
    after = dict(paragraphs(out, "docx"))
    assert after["diagram1"] == ["联系 [CN_MOBILE]"] and after["chart1"] == [
        "负责人电话 [CN_MOBILE]"
    ]
    assert [w.split(":")[0] for w in f.warnings] == ["word/embeddings/Sheet1.xlsx"]
    assert "could not be read" in f.warnings[0]


def test_excel_workbooks_are_deidentified_and_checked_again(tmp_path: Path) -> None:
    """A workbook's strings, comments, authors and number cells holding PI are rewritten in
    place (openpyxl reads the result); what a scan of the result still finds (names that
    only the column header marks) is reported as left, and the CLI exits 1."""
    import openpyxl
    from openpyxl.comments import Comment
    from typer.testing import CliRunner

    from tianping.cli import app
    from tianping.privacy._deid import deid_path
    from tianping.privacy._policy import parse_policy

    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "客户"
    ws.append(["姓名", "手机", "备注", "号码"])
    ws.append(["王伟", MOBILE, f"邮箱 {EMAIL}", 13912345678])
    ws.append(["李娜", "x", f"身份证 {ID}", 42])
    ws["C3"].comment = Comment("核对 13712345678", "HR 张三")
    wb.properties.creator = "赵六"
    src = tmp_path / "customers.xlsx"
    wb.save(src)
    scanned, _ = scan_file(src)  # the cells, and what they do not show: comments, authors
    cols = {c.column: c for c in scanned.columns}
    assert cols["comments1"].types == {"cn_mobile": 1} and "properties" in cols
    out = tmp_path / "clean.xlsx"
    pol = parse_policy("types:\n  '*': {action: redact}\n")
    f = deid_path(src, out, pol).files[0]
    assert f.format == "xlsx"
    # the phone in a number cell too: that cell holds the replacement as text now
    assert f.replaced == {"cn_mobile": 3, "cn_resident_id": 1, "document_author": 2, "email": 1}
    assert f.left == {"客户!姓名": {"person_name_zh": 2}}  # names only the header marks
    got = openpyxl.load_workbook(out)["客户"]
    assert [c.value for c in got[2]] == ["王伟", "[CN_MOBILE]", "邮箱 [EMAIL]", "[CN_MOBILE]"]
    assert got["D3"].value == 42  # numbers without PI stay numbers
    assert got["C3"].comment is not None and got["C3"].comment.text == "核对 [CN_MOBILE]"
    with zipfile.ZipFile(out) as zf:
        blob = b"".join(zf.read(n) for n in zf.namelist())
    for raw in (MOBILE, EMAIL, ID, "13712345678", "13912345678", "张三", "赵六"):
        assert raw.encode() not in blob, raw
    policy = tmp_path / "p.yaml"
    policy.write_text("types:\n  '*': {action: redact}\n", encoding="utf-8")
    res = CliRunner().invoke(app, ["deid", str(src), str(tmp_path / "cli.xlsx"), "-p", str(policy)])
    assert res.exit_code == 1 and "left: 客户!姓名: person_name_zh 2" in res.output
    assert "王伟" not in res.output


def _blob(path: Path) -> bytes:
    """Every member's bytes, those of embedded packages included."""
    import io

    with zipfile.ZipFile(path) as zf:
        out = []
        for name in zf.namelist():
            data = zf.read(name)
            if name.endswith((".xlsx", ".docx", ".pptx")):
                with zipfile.ZipFile(io.BytesIO(data)) as inner:
                    out += [inner.read(n) for n in inner.namelist()]
            out.append(data)
    return b"".join(out)


def test_chart_caches_and_chart_workbooks(tmp_path: Path) -> None:
    """A chart keeps a copy of what it plots (categories, series names, values) and, in a
    deck or a document, the workbook it was drawn from: python-pptx writes both as
    PowerPoint does. The scan reads the copy (`chart1-data`) and the workbook (a report of
    its own); de-identification rewrites both, a cached number that holds PI leaving a gap,
    and python-pptx and openpyxl read the result."""
    import io

    import openpyxl
    from pptx import Presentation
    from pptx.chart.data import CategoryChartData
    from pptx.enum.chart import XL_CHART_TYPE
    from pptx.util import Inches

    from tianping.privacy._deid import deid_path
    from tianping.privacy._policy import parse_policy
    from tianping.privacy._scan import ScanOptions, scan_one

    deck = Presentation()
    slide = deck.slides.add_slide(deck.slide_layouts[5])
    data = CategoryChartData()
    data.categories = [f"客户 {MOBILE}", "华东区"]
    data.add_series(f"联系 {EMAIL}", (13912345678, 42))
    slide.shapes.add_chart(
        XL_CHART_TYPE.COLUMN_CLUSTERED, Inches(1), Inches(1), Inches(6), Inches(4), data
    )
    src = tmp_path / "sales.pptx"
    deck.save(str(src))
    results = scan_one(src, ScanOptions())
    by_path = {rep.path: rep for rep, _ in results}
    embedded = f"{src}!ppt/embeddings/Microsoft_Excel_Sheet1.xlsx"
    assert set(by_path) == {str(src), embedded}
    cols = {c.column: c.types for c in by_path[str(src)].columns}
    assert cols["chart1-data"] == {"cn_mobile": 2, "email": 1}
    # the series name is the sheet's header row there: holding PI, it is read as a record
    assert by_path[embedded].counts == {"cn_mobile": 2, "email": 1}
    assert all(f.file == embedded for rep, ex in results[1:] for f in ex)

    out = tmp_path / "clean.pptx"
    f = deid_path(src, out, parse_policy("types:\n  '*': {action: redact}\n")).files[0]
    assert f.warnings == [] and f.left == {}  # a chart's workbook shows no preview picture
    assert f.replaced["cn_mobile"] == 4 and f.replaced["email"] == 2
    chart = Presentation(str(out)).slides[0].shapes[-1].chart
    assert list(chart.plots[0].categories) == ["客户 [CN_MOBILE]", "华东区"]
    assert chart.series[0].name == "联系 [EMAIL]"
    assert list(chart.series[0].values) == [None, 42.0]  # the phone: a gap, not text
    with zipfile.ZipFile(out) as zf:
        book = openpyxl.load_workbook(
            io.BytesIO(zf.read("ppt/embeddings/Microsoft_Excel_Sheet1.xlsx"))
        )
    assert [list(r) for r in book.active.values][1] == ["客户 [CN_MOBILE]", "[CN_MOBILE]"]
    blob = _blob(out)
    for raw in (MOBILE, EMAIL, "13912345678"):
        assert raw.encode() not in blob, raw
    assert all(rep.counts == {} for rep, _ in scan_one(out, ScanOptions()))


def _pivot_workbook(path: Path) -> Path:
    """A workbook (xlsxwriter, with a chart whose caches it fills from the cells) plus a
    pivot cache as Excel writes one: field names and shared strings in the definition,
    rows in the records (strings by index, numbers inline), a number field's min and max."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("客户")
    rows = [["姓名", "手机", "备注"], ["王伟", 13812345678, f"邮箱 {EMAIL}"], ["李娜", 42, "x"]]
    for r, row in enumerate(rows):
        sheet.write_row(r, 0, row)
    sheet.insert_textbox("E2", f"负责人 {ID}")
    chart = book.add_chart({"type": "column"})
    chart.add_series({"categories": "=客户!$C$2:$C$3", "values": "=客户!$B$2:$B$3"})
    sheet.insert_chart("E8", chart)
    book.close()
    s = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    definition = (
        f'<pivotCacheDefinition xmlns="{s}" refreshOnLoad="1" recordCount="2"><cacheSource '
        'type="worksheet"><worksheetSource ref="A1:C3" sheet="客户"/></cacheSource>'
        '<cacheFields count="3"><cacheField name="姓名" numFmtId="0"><sharedItems count="2">'
        '<s v="王伟"/><s v="李娜"/></sharedItems></cacheField><cacheField name="手机" numFmtId="0">'
        '<sharedItems containsSemiMixedTypes="0" containsString="0" containsNumber="1" '
        'containsInteger="1" minValue="42" maxValue="13812345678"/></cacheField>'
        f'<cacheField name="备注" numFmtId="0"><sharedItems count="2"><s v="邮箱 {EMAIL}"/>'
        '<s v="x"/></sharedItems></cacheField></cacheFields></pivotCacheDefinition>'
    )
    records = (
        f'<pivotCacheRecords xmlns="{s}" count="2"><r><x v="0"/><n v="13812345678"/><x v="0"/>'
        '</r><r><x v="1"/><n v="42"/><x v="1"/></r></pivotCacheRecords>'
    )
    with zipfile.ZipFile(path, "a") as zf:
        zf.writestr("xl/pivotCache/pivotCacheDefinition1.xml", definition)
        zf.writestr("xl/pivotCache/pivotCacheRecords1.xml", records)
    return path


def test_workbook_charts_shapes_and_pivot_caches(tmp_path: Path) -> None:
    """A workbook keeps PI where calamine does not look: text boxes, a chart's cached
    values and pivot caches (a copy of the source rows). The scan reads them, the pivot
    cache as a table whose headers give context; de-identification rewrites them: strings
    take their replacement, a number holding PI goes missing and its field's min/max go."""
    from tianping.privacy._deid import deid_path
    from tianping.privacy._pivot import pivot_tables
    from tianping.privacy._policy import parse_policy

    src = _pivot_workbook(tmp_path / "book.xlsx")
    tables = dict(pivot_tables(src))
    assert tables["pivotCache1"] == {
        "pivotCache1!姓名": ["王伟", "李娜"],
        "pivotCache1!手机": ["13812345678", "42"],
        "pivotCache1!备注": [f"邮箱 {EMAIL}", "x"],
    }
    rep, _ = scan_file(src)
    cols = {c.column: c.types for c in rep.columns}
    assert cols["drawing1"] == {"cn_resident_id": 1}
    assert cols["chart1-data"] == {"cn_mobile": 1, "email": 1}
    assert cols["pivotCache1!手机"] == {"cn_mobile": 1}
    assert cols["pivotCache1!备注"] == {"email": 1}
    assert cols["pivotCache1!姓名"] == {"person_name_zh": 2}  # the header says what they are

    out = tmp_path / "clean.xlsx"
    pol = parse_policy("types:\n  '*': {action: redact}\n")
    f = deid_path(src, out, pol).files[0]
    assert f.warnings == []
    with zipfile.ZipFile(out) as zf:
        definition = zf.read("xl/pivotCache/pivotCacheDefinition1.xml").decode()
        records = zf.read("xl/pivotCache/pivotCacheRecords1.xml").decode()
    assert '<s v="邮箱 [EMAIL]"/>' in definition and '<s v="x"/>' in definition
    assert 'containsNumber="1" containsInteger="1" containsBlank="1"/>' in definition
    assert "maxValue" not in definition and "minValue" not in definition
    assert '<r><x v="0"/><m/><x v="0"/></r><r><x v="1"/><n v="42"/>' in records
    assert dict(pivot_tables(out))["pivotCache1"]["pivotCache1!手机"] == [None, "42"]
    blob = _blob(out)
    for raw in (MOBILE, EMAIL, ID):
        assert raw.encode() not in blob, raw
    # the names only the pivot field's header marks are what is left, as for the sheet
    assert f.left == {"客户!姓名": {"person_name_zh": 2}, "pivotCache1!姓名": {"person_name_zh": 2}}
    import openpyxl

    assert openpyxl.load_workbook(out)["客户"]["B2"].value == "[CN_MOBILE]"


def test_embedded_documents_and_objects(tmp_path: Path) -> None:
    """A workbook inserted into a Word file as an object is scanned and de-identified as
    the file it is, with a warning that Word still shows its old preview picture; an OLE
    object of another format is reported unread by the scan and named by the rewrite."""
    import openpyxl

    from tianping.privacy._deid import deid_path
    from tianping.privacy._policy import parse_policy
    from tianping.privacy._scan import ScanOptions, scan_one

    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["手机"])
    ws.append([f"{MOBILE}"])
    inner = tmp_path / "inner.xlsx"
    wb.save(inner)
    src = _docx(tmp_path / "memo.docx")
    quiet = openpyxl.Workbook()
    quiet.active.append(["季度", "销售额"])
    quiet.save(tmp_path / "quiet.xlsx")
    with zipfile.ZipFile(src, "a") as zf:
        zf.write(inner, "word/embeddings/Microsoft_Excel_Worksheet.xlsx")
        zf.write(tmp_path / "quiet.xlsx", "word/embeddings/Microsoft_Excel_Worksheet1.xlsx")
        zf.writestr("word/embeddings/oleObject1.bin", b"\xd0\xcf\x11\xe0 OLE " + MOBILE.encode())
    results = {rep.path: rep for rep, _ in scan_one(src, ScanOptions())}
    sheet = results[f"{src}!word/embeddings/Microsoft_Excel_Worksheet.xlsx"]
    assert sheet.status == "ok" and sheet.counts == {"cn_mobile": 1}
    ole = results[f"{src}!word/embeddings/oleObject1.bin"]
    assert ole.status == "skipped" and "OLE" in (ole.message or "")

    out = tmp_path / "clean.docx"
    f = deid_path(src, out, parse_policy("types:\n  '*': {action: redact}\n")).files[0]
    assert [w.split(":")[0] for w in f.warnings] == [  # the workbook without PI: no warning
        "word/embeddings/Microsoft_Excel_Worksheet.xlsx",
        "word/embeddings/oleObject1.bin",
    ]
    assert "preview picture" in f.warnings[0] and "not read" in f.warnings[1]
    with zipfile.ZipFile(out) as zf:
        assert zf.read("word/embeddings/oleObject1.bin").endswith(MOBILE.encode())  # as it was
        embedded = zf.read("word/embeddings/Microsoft_Excel_Worksheet.xlsx")
    (tmp_path / "e.xlsx").write_bytes(embedded)
    assert openpyxl.load_workbook(tmp_path / "e.xlsx").active["A2"].value == "[CN_MOBILE]"


def test_chartex_points_are_read_and_rewritten(tmp_path: Path) -> None:
    """Office 2016 charts (chartEx: treemaps, waterfalls) keep points that hold their value
    themselves: text points take their replacement, a number point that holds PI goes."""
    from tianping.privacy._deid import deid_path
    from tianping.privacy._policy import parse_policy

    cx = "http://schemas.microsoft.com/office/drawing/2014/chartex"
    src = _docx(tmp_path / "report.docx")
    with zipfile.ZipFile(src, "a") as zf:
        zf.writestr(
            "word/charts/chartEx1.xml",
            f'<cx:chartSpace xmlns:cx="{cx}"><cx:chartData><cx:data id="0">'
            '<cx:strDim type="cat"><cx:lvl ptCount="2"><cx:pt idx="0">客户 13712345678</cx:pt>'
            '<cx:pt idx="1">华东</cx:pt></cx:lvl></cx:strDim><cx:numDim type="val">'
            '<cx:lvl ptCount="2"><cx:pt idx="0">13612345678</cx:pt><cx:pt idx="1">42</cx:pt>'
            "</cx:lvl></cx:numDim></cx:data></cx:chartData></cx:chartSpace>",
        )
    parts = dict(paragraphs(src, "docx"))
    assert parts["chartEx1-data"] == ["客户 13712345678", "华东", "13612345678", "42"]
    out = tmp_path / "clean.docx"
    deid_path(src, out, parse_policy("types:\n  '*': {action: redact}\n"))
    assert dict(paragraphs(out, "docx"))["chartEx1-data"] == ["客户 [CN_MOBILE]", "华东", "42"]
