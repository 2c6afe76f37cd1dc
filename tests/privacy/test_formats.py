"""The same formats under other names: macro-enabled files, templates, slide shows and
OpenDocument presentations and templates, each written by LibreOffice from a Word,
PowerPoint or Excel source, are scanned as their source is and de-identified in their own
format (in place for zip packages, through LibreOffice for 97-2003 files)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from tests.privacy.conftest import convert_with_soffice
from tianping.privacy._deid import deid_path
from tianping.privacy._formats import PACKAGES, TWINS, format_suffix
from tianping.privacy._policy import parse_policy
from tianping.privacy._scan import scan_file

ID, MOBILE, EMAIL = "11010519491231002X", "13812345678", "li.lei@example.com"
POLICY = parse_policy("types:\n  '*': {action: redact}\n")
# suffix: the LibreOffice filter that writes it
WRITTEN = {
    "docx": {"docm": "MS Word 2007 XML VBA", "dotx": "MS Word 2007 XML Template",
             "dot": "MS Word 97 Vorlage", "ott": "writer8_template"},
    "pptx": {"pptm": "Impress MS PowerPoint 2007 XML VBA",
             "ppsx": "Impress MS PowerPoint 2007 XML AutoPlay",
             "potx": "Impress MS PowerPoint 2007 XML Template",
             "pps": "MS PowerPoint 97 AutoPlay", "pot": "MS PowerPoint 97 Vorlage",
             "odp": "impress8"},
    "xlsx": {"xltx": "Calc MS Excel 2007 XML Template", "xltm": "Calc MS Excel 2007 VBA XML",
             "xlt": "MS Excel 97 Vorlage/Template", "ots": "calc8_template"},
}  # fmt: skip


def _sources(folder: Path) -> dict[str, Path]:
    import docx
    import openpyxl
    from pptx import Presentation

    doc = docx.Document()
    doc.add_paragraph(f"乙方身份证号 {ID}，手机 {MOBILE}")
    doc.save(folder / "letter.docx")
    prs = Presentation()
    slide = prs.slides.add_slide(prs.slide_layouts[1])
    slide.shapes.title.text = f"联系 {EMAIL}"
    slide.placeholders[1].text = f"手机 {MOBILE}"
    prs.save(folder / "deck.pptx")
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in (["编号", "身份证号", "手机"], ["1", ID, MOBILE]):
        sheet.append(row)
    book.save(folder / "book.xlsx")
    return {"docx": folder / "letter.docx", "pptx": folder / "deck.pptx",
            "xlsx": folder / "book.xlsx"}  # fmt: skip


def test_every_twin_is_written_here() -> None:
    covered = {f".{s}" for written in WRITTEN.values() for s in written}
    # .wps, .et and .dps: WPS files, tested with the 97-2003 files; .dotm/.ppsm/.potm: the same
    # packages as .docm/.pptm with another content type, no LibreOffice filter writes them
    assert set(TWINS) | {".odp"} == covered | {".wps", ".et", ".dps", ".dotm", ".ppsm", ".potm"}
    assert format_suffix(".DOCM") == ".docx" and format_suffix(".csv") == ".csv"


def test_twins_are_scanned_and_deidentified_as_their_format(tmp_path: Path, soffice: str) -> None:
    sources = _sources(tmp_path)
    for kind, src in sources.items():
        first = scan_file(src)[0]
        want = first.counts
        assert want and sum(want.values()) >= 2, kind
        # a name in the document properties (python-pptx's template author, read from its
        # given name) is replaced as the document's author, not counted by type
        props = next((c.types for c in first.columns if c.column == "properties"), {})
        in_text = {t: n - props.get(t, 0) for t, n in want.items() if n > props.get(t, 0)}
        for suffix, filter_name in WRITTEN[kind].items():
            twin = convert_with_soffice(soffice, src, f"{suffix}:{filter_name}")
            rep, _ = scan_file(twin)
            assert rep.status == "ok" and rep.counts == want, (suffix, rep.message, rep.counts)
            out = tmp_path / "clean" / twin.name
            out.parent.mkdir(exist_ok=True)
            f = deid_path(twin, out, POLICY).files[0]
            assert {t: n for t, n in f.replaced.items() if t != "document_author"} == in_text
            assert not props or f.replaced.get("document_author"), suffix
            assert f.left == {}, suffix
            assert scan_file(out)[0].counts == {}, suffix  # nothing found in the rewrite
            if f".{suffix}" in PACKAGES:  # edited in place: the package's own content types
                with zipfile.ZipFile(twin) as a, zipfile.ZipFile(out) as b:
                    names = [n for n in a.namelist() if n.endswith(("Types].xml", "mimetype"))]
                    assert names and all(a.read(n) == b.read(n) for n in names), suffix
                    thumb = {"Thumbnails/thumbnail.png"}  # an ODF page picture: left out
                    assert set(a.namelist()) - thumb == set(b.namelist()), suffix
            else:  # rewritten by LibreOffice in its own 97-2003 flavour
                assert out.read_bytes()[:8] == bytes.fromhex("d0cf11e0a1b11ae1"), suffix
                assert any("LibreOffice" in w for w in f.warnings), suffix


def test_presentations_are_read_slide_by_slide(tmp_path: Path, soffice: str) -> None:
    """An OpenDocument presentation gives its text by slide and notes page, as the
    PowerPoint file it was saved from does."""
    from pptx import Presentation

    prs = Presentation()
    for k in (1, 2, 3):
        slide = prs.slides.add_slide(prs.slide_layouts[1])
        slide.shapes.title.text = f"title {k}"
        if k != 2:
            slide.notes_slide.notes_text_frame.text = f"note {k} {MOBILE}"
    src = tmp_path / "deck.pptx"
    prs.save(src)
    odp = convert_with_soffice(soffice, src, "odp")
    from tianping.privacy._office import paragraphs

    def shown(path: Path, kind: str) -> dict[str, list[str]]:
        parts = dict(paragraphs(path, kind))
        return {k: [t for t in v if t.strip() and t != "<number>"] for k, v in parts.items()
                if k.startswith(("slide", "notes"))}  # fmt: skip

    assert shown(odp, "odp") == shown(src, "pptx") == {
        "slide1": ["title 1"], "notes1": [f"note 1 {MOBILE}"], "slide2": ["title 2"],
        "slide3": ["title 3"], "notes3": [f"note 3 {MOBILE}"],
    }  # fmt: skip
    found = scan_file(odp)[1]
    assert sorted(f.column for f in found if f.pi_type == "cn_mobile") == ["notes1", "notes3"]


@pytest.mark.parametrize("suffix", [".pages", ".numbers"])
def test_formats_not_read_are_skipped_with_advice(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"file{suffix}"
    path.write_bytes(b"PK\x03\x04 " + MOBILE.encode())
    rep, found = scan_file(path)
    assert rep.status == "skipped" and "export it" in (rep.message or "") and not found
