"""Paths as reports show them (`_shown.py`): values detection finds, and bare names in the
paths of personal files, masked; other names left legible."""

from __future__ import annotations

from pathlib import Path

import pytest

from tianping.privacy._scan import scan_paths
from tianping.privacy._shown import shown_path


@pytest.mark.parametrize(
    ("path", "shown"),
    [
        ("员工档案/李娜/合同.pdf", "员工档案/李*/合同.pdf"),  # the folder names a person
        ("张伟_简历.pdf", "张*_简历.pdf"),
        ("王芳身份证正面.jpg", "王*身份证正面.jpg"),  # document words cut the name out
        ("2024年张三工资条.xlsx", "2024年张*工资条.xlsx"),
        ("欧阳娜娜的简历.docx", "欧阳**的简历.docx"),  # a compound surname
        ("于敏简历.doc", "于*简历.doc"),  # 于 is a surname as well as a word
        ("a.zip!简历/李雷.docx", "a.zip!简历/李*.docx"),  # archive members too
        ("韩梅梅_11010519491231002X.jpg", "韩**_11**************2X.jpg"),  # an ID: a person
        ("John_Smith_CV.pdf", "J***_S****_CV.pdf"),
        ("Employee Records/Mary Jane Watson.docx", "Employee Records/M*** J*** W*****.docx"),
        # no personal document named: words that start with a surname stay legible
        ("方案.docx", "方案.docx"),
        ("周报.xlsx", "周报.xlsx"),
        ("张三_方案.docx", "张三_方案.docx"),
        ("Annual_Report_2024.pdf", "Annual_Report_2024.pdf"),
        ("客户名单.xlsx", "客户名单.xlsx"),
        # in a personal folder, common document words are not names
        ("简历/周报.docx", "简历/周报.docx"),
        ("员工档案/高级方案.docx", "员工档案/高级方案.docx"),
    ],
)
def test_shown_path(path: str, shown: str) -> None:
    assert shown_path(path) == shown


def test_bare_names_in_a_folder_of_personal_files_are_masked_in_reports(tmp_path: Path) -> None:
    folder = tmp_path / "员工档案" / "李娜"
    folder.mkdir(parents=True)
    for name in ("张伟_简历.txt", "John_Smith_CV.txt", "方案.txt"):
        (folder / name).write_text("电话 13912345678\n", encoding="utf-8")
    report = scan_paths([tmp_path])
    shown = report.model_dump_json()
    for raw in ("李娜", "张伟", "John", "Smith"):
        assert raw not in shown, raw
    assert "李*" in shown and "张*_简历.txt" in shown and "J***_S****_CV.txt" in shown
    assert "方案.txt" in shown  # a folder of personal files, but no name in this one
    assert {f.path for f in report.files} == {str(p) for p in folder.iterdir()}  # raw inside


def test_sheets_named_after_people_are_masked_in_personal_workbooks(tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    first = book.active
    assert first is not None
    first.title = "张伟"
    first.append(["手机"])
    first.append(["13812345678"])
    summary = book.create_sheet("汇总")
    summary.append(["手机"])
    summary.append(["13912345678"])
    for name, shown in (("员工档案.xlsx", "张*!手机"), ("销售.xlsx", "张伟!手机")):
        book.save(tmp_path / name)
        report = scan_paths([tmp_path / name])
        columns = {c.column for f in report.files for c in f.columns} - {"properties"}
        assert columns == {shown, "汇总!手机"}, name  # 销售.xlsx names no person's file


def test_pi_in_file_names_is_reported_and_deid_says_to_rename(tmp_path: Path) -> None:
    """A file named after a person holds PI whatever is inside it: scans report it as the
    column `<file name>` (row 0, masked), skipped files included; de-identification keeps
    names, so its report says to rename the file."""
    from tianping.privacy._deid import deid_path
    from tianping.privacy._policy import parse_policy
    from tianping.privacy._scan import NAME_COLUMN, ScanOptions

    (tmp_path / "韩梅梅_11010519491231002X.jpg").write_bytes(b"\xff\xd8\xff not read")
    (tmp_path / "韩梅梅_11010519491231002X.csv").write_text("备注\n无\n", encoding="utf-8")
    (tmp_path / "plain.csv").write_text("a\nb\n", encoding="utf-8")
    report = scan_paths([tmp_path])
    files = {Path(f.path).name: f for f in report.files}
    image = files["韩梅梅_11010519491231002X.jpg"]
    assert image.status == "skipped"  # an image without --ocr: its name is still read
    assert image.counts == {"cn_resident_id": 1, "person_name_zh": 1} and image.sensitive == 1
    assert [c.column for c in image.columns] == [NAME_COLUMN]
    assert files["plain.csv"].counts == {} and report.counts["cn_resident_id"] == 2
    shown = [f for f in report.findings if f.column == NAME_COLUMN]
    assert {f.preview for f in shown} == {"11**************2X", "韩**"} and shown[0].row == 0
    assert "11010519491231002X" not in report.model_dump_json()
    # a bare name's only context is the path (0.6), but this one stands right before an ID
    # number (0.7); above that it is left out
    strict = scan_paths([tmp_path], ScanOptions(min_confidence=0.7))
    assert strict.counts == {"cn_resident_id": 2, "person_name_zh": 2}
    stricter = scan_paths([tmp_path], ScanOptions(min_confidence=0.75))
    assert stricter.counts == {"cn_resident_id": 2}
    only = scan_paths([tmp_path], ScanOptions(types=frozenset({"email"})))
    assert only.counts == {}
    policy = parse_policy("types:\n  '*': {action: redact}\n")
    out = tmp_path.parent / "out"
    out.mkdir()
    rep = deid_path(tmp_path / "韩梅梅_11010519491231002X.csv", out, policy)
    (f,) = rep.files
    assert any("rename it" in w for w in f.warnings) and f.left == {}
    assert "11010519491231002X" not in rep.model_dump_json()
