"""The YAML loader: positions of keys and values, strictness, and file-level refusals."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from qlikreconcile.errors import SourcePosition
from qlikreconcile.spec.positioned_yaml import (
    PosDict,
    PosList,
    load_yaml_file,
    load_yaml_text,
    locate,
    plain,
)

DOC = """\
tenant: {name: acme, region: eu}
spaces:
  - name: Acme build
    type: shared
  - name: Acme analytics
    type: managed
"""


def test_positions_of_keys_values_and_items() -> None:
    data, problems = load_yaml_text(DOC, "t.yaml")
    assert problems == []
    assert isinstance(data, PosDict)
    assert isinstance(data["spaces"], PosList)
    assert str(locate(data, ("tenant",), key=True)) == "t.yaml:1:1"
    assert str(locate(data, ("tenant", "region"))) == "t.yaml:1:30"
    assert str(locate(data, ("spaces", 1))) == "t.yaml:5:5"
    assert str(locate(data, ("spaces", 1, "type"))) == "t.yaml:6:11"
    assert str(locate(data, ("spaces", 1, "type"), key=True)) == "t.yaml:6:5"
    # a path that does not exist stops at the deepest existing node
    assert str(locate(data, ("spaces", 0, "members", 0))) == "t.yaml:3:5"
    assert plain(data)["spaces"][0] == {"name": "Acme build", "type": "shared"}
    assert type(plain(data)) is dict


def test_duplicate_keys_name_both_positions() -> None:
    _, problems = load_yaml_text("a: 1\nb:\n  c: 1\n  c: 2\n", "d.yaml")
    assert [str(p) for p in problems] == [
        "d.yaml:4:3: duplicate key 'c' (first defined at d.yaml:3:3) (fix: keep only one of them)"
    ]


def test_every_duplicate_in_a_file_is_reported() -> None:
    _, problems = load_yaml_text("a: 1\na: 2\nb: 1\nb: 2\n", "d.yaml")
    assert [p.position.line for p in problems] == [2, 4]


def test_tabs_in_indentation_get_a_clear_message() -> None:
    data, problems = load_yaml_text("a:\n\tb: 1\n", "t.yaml")
    assert data is None
    assert [str(p.position) for p in problems] == ["t.yaml:2:1"]
    assert "tab character in indentation" in problems[0].message


def test_tab_inside_a_value_is_fine() -> None:
    data, problems = load_yaml_text('a: "x\\ty"\nb: |\n  one\ttwo\n', "t.yaml")
    assert problems == []
    assert data["b"] == "one\ttwo\n"


def test_syntax_error_has_line_and_column() -> None:
    _, problems = load_yaml_text("a: [1, 2\nb: 3\n", "s.yaml")
    assert len(problems) == 1
    assert problems[0].position.file == "s.yaml"
    assert problems[0].position.line == 2
    assert problems[0].message.startswith("YAML error:")


def test_anchors_aliases_and_merge_keys_are_refused() -> None:
    _, problems = load_yaml_text("a: &x {b: 1}\nc: *x\n", "a.yaml")
    assert "anchors" in problems[0].message
    assert str(problems[0].position) == "a.yaml:1:4"
    _, problems = load_yaml_text("a:\n  <<: {b: 1}\n", "m.yaml")
    assert "merge keys" in problems[0].message


def test_non_text_keys_are_refused() -> None:
    _, problems = load_yaml_text("1: a\nyes: b\n", "k.yaml")
    assert [p.position.line for p in problems] == [1, 2]
    assert all("keys must be text" in p.message for p in problems)


def test_timestamps_and_dates_stay_text() -> None:
    data, _ = load_yaml_text("created: 2024-05-01T10:00:00Z\nsince: 2024-01-01\n", "t.yaml")
    assert data == {"created": "2024-05-01T10:00:00Z", "since": "2024-01-01"}


def test_unsafe_tags_are_refused() -> None:
    _, problems = load_yaml_text("a: !!python/object:os.system {}\n", "u.yaml")
    assert problems
    assert problems[0].position.line == 1


def test_empty_file_is_none_without_problems(tmp_path: Path) -> None:
    (tmp_path / "e.yaml").write_text("# nothing\n")
    assert load_yaml_file(tmp_path / "e.yaml", "e.yaml") == (None, [])


def test_binary_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "b.yaml").write_bytes(b"a: 1\x00\x01")
    data, problems = load_yaml_file(tmp_path / "b.yaml", "b.yaml")
    assert data is None
    assert problems[0].position == SourcePosition("b.yaml")
    assert "binary" in problems[0].message


def test_non_utf8_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "l.yaml").write_bytes("a: caf\xe9\n".encode("latin-1"))
    _, problems = load_yaml_file(tmp_path / "l.yaml", "l.yaml")
    assert "not UTF-8" in problems[0].message


def test_oversize_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "big.yaml").write_text("a: " + "x" * 200 + "\n")
    _, problems = load_yaml_file(tmp_path / "big.yaml", "big.yaml", max_bytes=100)
    assert "more than the 100 byte limit" in problems[0].message


@pytest.mark.skipif(os.name == "nt", reason="symlinks")
def test_symlink_loop_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").symlink_to(tmp_path / "b.yaml")
    (tmp_path / "b.yaml").symlink_to(tmp_path / "a.yaml")
    data, problems = load_yaml_file(tmp_path / "a.yaml", "a.yaml")
    assert data is None
    assert [p.message for p in problems] == ["symlink loop"]


@pytest.mark.skipif(os.name == "nt", reason="symlinks")
def test_broken_symlink_is_reported(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").symlink_to(tmp_path / "missing.yaml")
    _, problems = load_yaml_file(tmp_path / "a.yaml", "a.yaml")
    assert [p.message for p in problems] == ["broken symlink"]
