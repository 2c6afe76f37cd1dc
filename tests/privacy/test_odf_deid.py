"""OpenDocument text (.odt) and spreadsheets (.ods): scanned (body, headers and footers,
comments, tracked deletions, embedded charts, link targets, authors) and de-identified in
place. The packages are written here as LibreOffice writes them (mimetype first and
stored, a manifest, content, styles, meta and settings, a thumbnail); calamine (fastexcel)
reads the rewritten sheets independently."""

from __future__ import annotations

import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pytest

from tianping.errors import InputError
from tianping.privacy._deid import deid_path
from tianping.privacy._office import paragraphs
from tianping.privacy._policy import parse_policy
from tianping.privacy._scan import scan_file

MOBILE, ID, EMAIL = "13812345678", "11010519491231002X", "li.lei@example.com"
REDACT = "types:\n  '*': {action: redact}\n"

_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
    'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" '
    'xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" '
    'xmlns:number="urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0" '
    'xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" '
    'xmlns:chart="urn:oasis:names:tc:opendocument:xmlns:chart:1.0" '
    'xmlns:calcext="urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0" '
    'xmlns:loext="urn:org:documentfoundation:names:experimental:office:xmlns:loext:1.0" '
    'office:version="1.3"'
)
_XML = '<?xml version="1.0" encoding="UTF-8"?>\n'

# the body of a contract: a mobile split over spans, an ID after a <text:s/>, an e-mail
# behind a mailto: link, one written with a character reference, a comment by a named
# person, a deleted old number kept by change tracking, a table with a number cell
ODT_BODY = (
    '<text:tracked-changes text:track-changes="false"><text:changed-region xml:id="ct1" '
    'text:id="ct1"><text:deletion><office:change-info><dc:creator>王五</dc:creator>'
    "<dc:date>2024-01-01T10:00:00</dc:date></office:change-info>"
    '<text:p text:style-name="P1">旧手机 13912345678</text:p></text:deletion>'
    "</text:changed-region></text:tracked-changes>"
    '<text:h text:style-name="Heading_20_1" text:outline-level="1">'
    "劳动合同 R&amp;D &lt;内部&gt;</text:h>"
    '<text:p text:style-name="P1">乙方手机：<text:span text:style-name="T1">138</text:span>'
    '<text:span text:style-name="T1">1234</text:span>5678<text:change text:change-id="ct1"/>'
    "</text:p>"
    f'<text:p text:style-name="P2">身份证<text:s/>{ID}<text:tab/>邮箱<text:s text:c="2"/>'
    f'<text:a xlink:type="simple" xlink:href="mailto:{EMAIL}?subject=%E5%90%88" '
    f'text:style-name="Internet_20_link">{EMAIL}</text:a></text:p>'
    '<text:p text:style-name="P2">备注<office:annotation office:name="__Annotation__1">'
    "<dc:creator>赵六</dc:creator><dc:date>2024-01-02T09:00:00</dc:date>"
    "<meta:creator-initials>ZL</meta:creator-initials>"
    '<text:p text:style-name="P3">核对 13712345678</text:p></office:annotation>'
    '抄送 wang&#64;example.cn 谢谢<office:annotation-end office:name="__Annotation__1"/></text:p>'
    '<table:table table:name="Table1" table:style-name="Table1">'
    '<table:table-column table:style-name="Table1.A" table:number-columns-repeated="2"/>'
    '<table:table-row><table:table-cell table:style-name="Table1.A1" office:value-type="string">'
    '<text:p text:style-name="Table_20_Contents">紧急联系</text:p></table:table-cell>'
    '<table:table-cell table:style-name="Table1.A1" office:value-type="float" '
    'office:value="13612345678"><text:p text:style-name="Table_20_Contents">13612345678</text:p>'
    "</table:table-cell></table:table-row></table:table>"
    '<text:p text:style-name="P1"><draw:frame draw:style-name="fr1" draw:name="Object1" '
    'text:anchor-type="as-char" svg:width="8cm" svg:height="7cm" draw:z-index="0">'
    '<draw:object xlink:href="./Object 1" xlink:type="simple" xlink:show="embed" '
    'xlink:actuate="onLoad"/><draw:image xlink:href="./ObjectReplacements/Object 1" '
    'xlink:type="simple" xlink:show="embed" xlink:actuate="onLoad"/></draw:frame></text:p>'
)
# an embedded chart: its title and the data table it plots
CHART = (
    f"{_XML}<office:document-content {_NS}><office:body><office:chart>"
    '<chart:chart svg:width="8cm" svg:height="7cm" chart:class="chart:bar">'
    "<chart:title><text:p>负责人 13512345678</text:p></chart:title>"
    '<table:table table:name="local-table"><table:table-rows><table:table-row>'
    '<table:table-cell office:value-type="string"><text:p>张三 13412345678</text:p>'
    '</table:table-cell><table:table-cell office:value-type="float" office:value="12">'
    "<text:p>12</text:p></table:table-cell></table:table-row></table:table-rows></table:table>"
    "</chart:chart></office:chart></office:body></office:document-content>"
)


def _styles(header: str, footer: str) -> str:
    return (
        f"{_XML}<office:document-styles {_NS}><office:styles>"
        '<style:style style:name="Header" style:family="paragraph"/></office:styles>'
        '<office:automatic-styles><style:page-layout style:name="pm1"/></office:automatic-styles>'
        '<office:master-styles><style:master-page style:name="Standard" '
        'style:page-layout-name="pm1"><style:header>'
        f'<text:p text:style-name="Header">{header}</text:p></style:header><style:footer>'
        f'<text:p text:style-name="Footer">{footer}</text:p></style:footer>'
        "</style:master-page></office:master-styles></office:document-styles>"
    )


def _package(path: Path, mime: str, content: str, styles: str, extra: dict[str, bytes]) -> Path:
    """An OpenDocument package in LibreOffice's member order."""
    meta = (
        f"{_XML}<office:document-meta {_NS}><office:meta>"
        "<meta:initial-creator>张三</meta:initial-creator><dc:creator>李四</dc:creator>"
        "<meta:creation-date>2024-01-01T10:00:00</meta:creation-date>"
        "<meta:generator>LibreOffice/7.6.4.1$Linux_X86_64</meta:generator>"
        "</office:meta></office:document-meta>"
    )
    entries = "".join(
        f' <manifest:file-entry manifest:full-path="{name}" manifest:media-type="{kind}"/>\n'
        for name, kind in [
            ("/", mime),
            ("styles.xml", "text/xml"),
            ("meta.xml", "text/xml"),
            ("Thumbnails/thumbnail.png", "image/png"),
            *((n, "text/xml") for n in extra if n.endswith(".xml")),
            ("settings.xml", "text/xml"),
            ("content.xml", "text/xml"),
        ]
    )
    manifest = (
        f"{_XML}<manifest:manifest xmlns:manifest="
        '"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">\n'
        f"{entries}</manifest:manifest>"
    )
    settings = f"{_XML}<office:document-settings {_NS}/>"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("mimetype", mime, compress_type=zipfile.ZIP_STORED)
        zf.writestr("styles.xml", styles)
        zf.writestr("meta.xml", meta)
        zf.writestr("Thumbnails/thumbnail.png", b"\x89PNG\r\n\x1a\n picture of page 1")
        for name, data in extra.items():
            zf.writestr(name, data)
        zf.writestr("settings.xml", settings)
        zf.writestr("content.xml", content)
        zf.writestr("META-INF/manifest.xml", manifest)
    return path


def _odt(path: Path) -> Path:
    content = (
        f"{_XML}<office:document-content {_NS}><office:scripts/><office:automatic-styles>"
        '<style:style style:name="T1" style:family="text"><style:text-properties '
        'fo:font-weight="bold"/></style:style></office:automatic-styles><office:body>'
        f"<office:text>{ODT_BODY}</office:text></office:body></office:document-content>"
    )
    styles = _styles(
        '联系 <text:span text:style-name="T1">hr@</text:span>example.com',
        '客服 13512345679 <text:author-name text:fixed="false">李四</text:author-name>',
    )
    extra = {
        "Object 1/content.xml": CHART.encode(),
        "Object 1/styles.xml": f"{_XML}<office:document-styles {_NS}/>".encode(),
        "ObjectReplacements/Object 1": b"SVM picture of the chart",
        "Object 2": b"\xd0\xcf\x11\xe0 an OLE object",
    }
    return _package(path, "application/vnd.oasis.opendocument.text", content, styles, extra)


def test_odt_text_is_scanned_with_headers_links_and_authors(tmp_path: Path) -> None:
    """Every place an .odt keeps text: the body (a value split over spans read whole,
    `<text:s/>` and `<text:tab/>` as spaces and a tab, references decoded), the tracked
    deletion, the comment (its own paragraph), the header and footer, the chart; then
    mailto: targets and authors."""
    src = _odt(tmp_path / "contract.odt")
    parts = dict(paragraphs(src, "odt"))
    assert list(parts) == ["content", "styles", "object1", "links", "properties"]
    content = parts["content"]
    assert content[0] == "旧手机 13912345678"  # tracked deletion: text the file still keeps
    assert content[1] == "劳动合同 R&D <内部>"
    assert content[2] == f"乙方手机：{MOBILE}"
    assert content[3] == f"身份证 {ID}\t邮箱  {EMAIL}"
    # the comment's paragraph stands apart; the paragraph reads on over its anchor
    assert content[4] == "备注抄送 wang@example.cn 谢谢" and content[5] == "核对 13712345678"
    assert content[6:9] == ["紧急联系", "13612345678", " "]  # the frame: a space
    assert parts["styles"] == ["联系 hr@example.com", "客服 13512345679 李四"]
    assert parts["object1"] == ["负责人 13512345678", "张三 13412345678", "12"]
    assert parts["links"] == [f"mailto:{EMAIL}?subject=%E5%90%88"]
    assert sorted(parts["properties"]) == sorted(["王五", "赵六", "ZL", "李四", "张三", "李四"])
    rep, found = scan_file(src)
    assert rep.status == "ok" and rep.format == "odt"
    assert rep.counts["cn_mobile"] == 7 and rep.counts["email"] == 4
    assert {(f.column, f.row) for f in found if f.pi_type == "cn_mobile"} >= {
        ("content", 3), ("styles", 2), ("object1", 1)
    }  # fmt: skip


def _member_order(path: Path) -> list[tuple[str, int]]:
    with zipfile.ZipFile(path) as zf:
        return [(i.filename, i.compress_type) for i in zf.infolist()]


def test_odt_is_deidentified_in_place(tmp_path: Path) -> None:
    """Each value replaced where it stands (a value split over spans goes into the span it
    starts in), references and markup outside values kept byte for byte, members without
    PI copied as they were, mimetype first and stored, authors blanked, the thumbnail left
    out with its manifest entry; a scan of the result finds nothing."""
    src = _odt(tmp_path / "contract.odt")
    out = tmp_path / "clean.odt"
    f = deid_path(src, out, parse_policy(REDACT)).files[0]
    assert f.format == "odt" and f.left == {}
    assert f.replaced == {
        "cn_mobile": 7, "cn_resident_id": 1, "document_author": 6, "email": 4,
        "person_name_zh": 1,
    }  # fmt: skip
    assert scan_file(out)[0].counts == {}  # nothing left to find
    # the chart's picture still shows the old title; an OLE object is not read
    assert [w.split(":")[0] for w in f.warnings] == ["Object 1", "Object 2"]
    order = _member_order(out)
    assert order[0] == ("mimetype", zipfile.ZIP_STORED)
    assert order == [m for m in _member_order(src) if m[0] != "Thumbnails/thumbnail.png"]
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out) as zout:
        before = {n: zin.read(n) for n in zin.namelist()}
        after = {n: zout.read(n) for n in zout.namelist()}
    for name in ("mimetype", "settings.xml", "Object 1/styles.xml", "Object 2"):
        assert after[name] == before[name], name
    assert after["META-INF/manifest.xml"] == before["META-INF/manifest.xml"].replace(
        b'\n <manifest:file-entry manifest:full-path="Thumbnails/thumbnail.png" '
        b'manifest:media-type="image/png"/>',
        b"",
    )
    body = after["content.xml"].decode()
    expected = (
        ODT_BODY.replace("13912345678", "[CN_MOBILE]")
        .replace(
            '<text:span text:style-name="T1">138</text:span><text:span text:style-name="T1">'
            "1234</text:span>5678",
            '<text:span text:style-name="T1">[CN_MOBILE]</text:span>'
            '<text:span text:style-name="T1"></text:span>',
        )
        .replace(ID, "[CN_RESIDENT_ID]")
        .replace(f">{EMAIL}<", ">[EMAIL]<")
        .replace(f"mailto:{EMAIL}", "mailto:[EMAIL]")
        .replace("13712345678", "[CN_MOBILE]")
        .replace("wang&#64;example.cn", "[EMAIL]")
        .replace("<dc:creator>王五</dc:creator>", "<dc:creator></dc:creator>")
        .replace("<dc:creator>赵六</dc:creator>", "<dc:creator></dc:creator>")
        .replace("<meta:creator-initials>ZL<", "<meta:creator-initials><")
        # the number cell: a string cell holding the replacement, its style kept
        .replace(
            'office:value-type="float" office:value="13612345678"><text:p '
            'text:style-name="Table_20_Contents">13612345678',
            'office:value-type="string"><text:p text:style-name="Table_20_Contents">[CN_MOBILE]',
        )
    )
    assert body == before["content.xml"].decode().replace(ODT_BODY, expected)
    assert "R&amp;D &lt;内部&gt;" in body  # references outside values as written
    styles = after["styles.xml"].decode()
    assert styles == before["styles.xml"].decode().replace(
        '<text:span text:style-name="T1">hr@</text:span>example.com',
        '<text:span text:style-name="T1">[EMAIL]</text:span>',
    ).replace("13512345679", "[CN_MOBILE]").replace(
        ">李四</text:author-name>", "></text:author-name>"
    )
    meta = after["meta.xml"].decode()
    assert "<meta:initial-creator></meta:initial-creator><dc:creator></dc:creator>" in meta
    assert "LibreOffice/7.6.4.1" in meta
    chart = after["Object 1/content.xml"].decode()
    assert "负责人 [CN_MOBILE]" in chart and 'office:value="12"><text:p>12<' in chart
    assert "[PERSON_NAME_ZH] [CN_MOBILE]" in chart  # a name right before a number
    blob = b"".join(after.values())
    for raw in (MOBILE, ID, EMAIL, "13712345678", "wang&#64;", "王五", "赵六", "李四"):
        assert raw.encode() not in blob, raw
    for name, data in after.items():  # every part still well-formed XML
        if name.endswith(".xml"):
            ElementTree.fromstring(data)


def test_spaces_inside_a_value_go_with_it(tmp_path: Path) -> None:
    """A phone written with `<text:s/>` between its groups is replaced whole: the space
    elements inside it are taken out, the ones around it stay."""
    content = (
        f"{_XML}<office:document-content {_NS}><office:body><office:text>"
        '<text:p>电话<text:s/>138<text:s/>1234<text:s/>5678<text:s text:c="2"/>止</text:p>'
        "</office:text></office:body></office:document-content>"
    )
    src = _package(
        tmp_path / "a.odt", "application/vnd.oasis.opendocument.text", content, _styles("", ""), {}
    )
    assert dict(paragraphs(src, "odt"))["content"] == ["电话 138 1234 5678  止"]
    with zipfile.ZipFile(src) as zf:  # a writer that put mimetype last, compressed
        members = [(i.filename, zf.read(i)) for i in zf.infolist()]
    with zipfile.ZipFile(src, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members[1:] + members[:1]:
            zf.writestr(name, data)
    out = tmp_path / "b.odt"
    f = deid_path(src, out, parse_policy(REDACT)).files[0]
    assert f.replaced.get("cn_mobile") == 1
    with zipfile.ZipFile(out) as zf:
        text = zf.read("content.xml").decode()
        first = zf.infolist()[0]
    assert '<text:p>电话<text:s/>[CN_MOBILE]<text:s text:c="2"/>止</text:p>' in text
    assert (first.filename, first.compress_type) == ("mimetype", zipfile.ZIP_STORED)
    assert out.read_bytes()[30:38] == b"mimetype"  # at the fixed offset readers look


def _ods(path: Path) -> Path:
    def cell(text: str, value: str | None = None, style: str = "") -> str:
        kind = "float" if value is not None else "string"
        attrs = f' office:value="{value}"' if value is not None else ""
        style = f' table:style-name="{style}"' if style else ""
        return (
            f'<table:table-cell{style} office:value-type="{kind}"{attrs} '
            f'calcext:value-type="{kind}"><text:p>{text}</text:p></table:table-cell>'
        )

    rows = [
        [cell("姓名"), cell("手机"), cell("备注"), cell("号码")],
        [
            cell("王伟"),
            cell(MOBILE),
            cell('邮箱 <text:span text:style-name="T1">li.lei@</text:span>example.com'),
            cell("13912345678", "13912345678", "ce1"),
        ],
        [
            cell("李娜"),
            cell("x"),
            '<table:table-cell office:value-type="string" calcext:value-type="string">'
            "<office:annotation><dc:creator>HR 张三</dc:creator><dc:date>2024-01-01T00:00:00"
            "</dc:date><text:p>核对 13712345678</text:p></office:annotation>"
            f"<text:p>身份证 {ID}</text:p></table:table-cell>",
            cell("42", "42", "ce1"),
        ],
    ]
    table = "".join("<table:table-row>" + "".join(r) + "</table:table-row>" for r in rows)
    content = (
        f"{_XML}<office:document-content {_NS}><office:automatic-styles>"
        '<style:style style:name="ce1" style:family="table-cell" '
        'style:parent-style-name="Default"/></office:automatic-styles><office:body>'
        '<office:spreadsheet><table:table table:name="客户" table:style-name="ta1">'
        '<table:table-column table:style-name="co1" table:number-columns-repeated="4" '
        f'table:default-cell-style-name="Default"/>{table}</table:table>'
        "<table:named-expressions/></office:spreadsheet></office:body></office:document-content>"
    )
    styles = _styles("页眉 13612345678", "第 1 页")
    mime = "application/vnd.oasis.opendocument.spreadsheet"
    return _package(path, mime, content, styles, {})


def test_ods_is_deidentified_and_checked_again(tmp_path: Path) -> None:
    """A sheet's string cells, comments, header and number cells holding PI are rewritten
    in place; calamine reads the result, the number cell now a string holding the
    replacement, numbers without PI still numbers; names that only the column header marks
    are reported as left."""
    import fastexcel

    src = _ods(tmp_path / "customers.ods")
    scanned, _ = scan_file(src)  # the cells, and what they do not show
    cols = {c.column: c for c in scanned.columns}
    assert cols["客户!备注"].types == {"cn_resident_id": 1, "email": 1}
    assert cols["content"].types == {"cn_mobile": 1}  # the comment
    assert cols["styles"].types == {"cn_mobile": 1} and "properties" in cols
    out = tmp_path / "clean.ods"
    f = deid_path(src, out, parse_policy(REDACT)).files[0]
    assert f.format == "ods"
    assert f.replaced == {"cn_mobile": 4, "cn_resident_id": 1, "document_author": 3, "email": 1}
    assert f.left == {"客户!姓名": {"person_name_zh": 2}}  # names only the header marks
    sheet = fastexcel.read_excel(str(out)).load_sheet("客户", dtypes="string").to_polars()
    assert sheet.row(0) == ("王伟", "[CN_MOBILE]", "邮箱 [EMAIL]", "[CN_MOBILE]")
    assert sheet.row(1) == ("李娜", "x", "身份证 [CN_RESIDENT_ID]", "42")
    raw_sheet = fastexcel.read_excel(str(out)).load_sheet("客户").to_polars()
    assert raw_sheet["号码"].to_list() == ["[CN_MOBILE]", "42"]  # now a string column
    with zipfile.ZipFile(out) as zf:
        content = zf.read("content.xml").decode()
        blob = b"".join(zf.read(n) for n in zf.namelist())
    assert (
        '<table:table-cell table:style-name="ce1" office:value-type="string" '
        'calcext:value-type="string"><text:p>[CN_MOBILE]</text:p>'
    ) in content
    assert 'office:value="42"' in content and "<dc:creator></dc:creator>" in content
    for raw in (MOBILE, EMAIL, ID, "13712345678", "13912345678", "13612345678", "张三", "李四"):
        assert raw.encode() not in blob, raw
    # without detection of unlisted values, number cells are left as they were
    keep = "types:\n  '*': {action: redact}\ndetect_other_columns: false\n"
    g = deid_path(src, tmp_path / "kept.ods", parse_policy(keep)).files[0]
    with zipfile.ZipFile(tmp_path / "kept.ods") as zf:
        assert 'office:value="13912345678"' in zf.read("content.xml").decode()
    assert "13912345678" not in str(g.model_dump())


def test_ods_string_value_attribute_is_rewritten(tmp_path: Path) -> None:
    """A string cell whose text is kept in `office:string-value` (read instead of its
    paragraph) is rewritten there too, counted once."""
    content = (
        f"{_XML}<office:document-content {_NS}><office:body><office:spreadsheet>"
        '<table:table table:name="S"><table:table-row><table:table-cell '
        'office:value-type="string"><text:p>电话</text:p></table:table-cell></table:table-row>'
        '<table:table-row><table:table-cell office:value-type="string" '
        f'office:string-value="手机 {MOBILE}"><text:p>手机 {MOBILE}</text:p>'
        "</table:table-cell></table:table-row></table:table></office:spreadsheet></office:body>"
        "</office:document-content>"
    )
    mime = "application/vnd.oasis.opendocument.spreadsheet"
    src = _package(tmp_path / "s.ods", mime, content, _styles("", ""), {})
    out = tmp_path / "t.ods"
    f = deid_path(src, out, parse_policy(REDACT)).files[0]
    assert f.replaced == {"cn_mobile": 1, "document_author": 2} and f.left == {}
    with zipfile.ZipFile(out) as zf:
        text = zf.read("content.xml").decode()
    assert 'office:string-value="手机 [CN_MOBILE]"><text:p>手机 [CN_MOBILE]</text:p>' in text


def test_broken_encrypted_and_column_policies_are_refused(tmp_path: Path) -> None:
    """A file that is not a readable package, or one encrypted with a password, is an
    InputError naming the file (no PI in it), and nothing is written where the output
    goes; column rules alone cannot apply to a document."""
    pol = parse_policy(REDACT)
    bad = tmp_path / "bad.odt"
    bad.write_bytes(b"PK\x03\x04 not really a zip " + MOBILE.encode())
    out = tmp_path / "out.odt"
    out.write_bytes(b"earlier output")
    with pytest.raises(InputError, match=r"bad\.odt: not a readable odt file") as err:
        deid_path(bad, out, pol)
    assert MOBILE not in str(err.value)
    assert out.read_bytes() == b"earlier output"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    with zipfile.ZipFile(_ods(tmp_path / "plain.ods")) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    members["META-INF/manifest.xml"] = (
        b'<manifest:manifest><manifest:file-entry manifest:full-path="content.xml">'
        b"<manifest:encryption-data/></manifest:file-entry></manifest:manifest>"
    )
    locked = tmp_path / "locked.ods"
    with zipfile.ZipFile(locked, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    with pytest.raises(InputError, match="encrypted OpenDocument"):
        deid_path(locked, tmp_path / "l.ods", pol)
    assert scan_file(locked)[0].status == "error"
    with pytest.raises(InputError, match="a document has no columns"):
        deid_path(_ods(tmp_path / "c.ods"), tmp_path / "c2.ods", parse_policy(
            "columns:\n  手机: {action: redact}\n"
        ))  # fmt: skip


def test_cli_deidentifies_an_odt(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from tianping.cli import app

    src = _odt(tmp_path / "contract.odt")
    policy = tmp_path / "p.yaml"
    policy.write_text(REDACT, encoding="utf-8")
    out = tmp_path / "cli.odt"
    res = CliRunner().invoke(app, ["deid", str(src), str(out), "-p", str(policy)])
    assert res.exit_code == 0, res.output
    assert MOBILE not in res.output and "Object 2" in res.output
    assert scan_file(out)[0].counts == {}
