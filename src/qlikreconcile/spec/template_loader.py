"""Loading template apps from ``desired/templates/NAME/``.

A template folder holds ``template.yaml`` (display name, source app by space and app name, the
load-script template file, required variables, releases), the load-script template itself
(``NAME.qvs.j2``) and the release artifacts written by ``qlikreconcile template release NAME``
(``releases/3.qvf``). Loading checks that the script exists and compiles, and that every release's
artifact exists inside the folder and matches its recorded SHA-256, so a plan made from git always
imports exactly the file that was reviewed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from jinja2.sandbox import SandboxedEnvironment

from qlikreconcile.errors import Problem, SourcePosition
from qlikreconcile.spec.desired_state import DataCheck, Release, Template
from qlikreconcile.spec.file_formats import TemplateFile
from qlikreconcile.spec.jinja_render import VARIABLE_NAME_RE, ScriptTemplate, compile_script
from qlikreconcile.spec.model_validation import validate
from qlikreconcile.spec.positioned_yaml import load_yaml_file, locate, read_text_file
from qlikreconcile.spec.value_checks import TEMPLATE_NAME_RE, check_space_name

TEMPLATE_FILE = "template.yaml"
_LFS_POINTER = b"version https://git-lfs.github.com/spec/"


@dataclass(frozen=True, slots=True)
class LoadedTemplate:
    """A validated template and its compiled load script (None if the script had problems)."""

    model: Template
    script: ScriptTemplate | None
    file: str  # display path of template.yaml


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a file, read in chunks (artifacts can be large)."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _inside(folder: Path, relative: str) -> Path | None:
    """`folder/relative` if it stays inside `folder`, else None."""
    path = folder / relative
    try:
        resolved = path.resolve()
    except (OSError, RuntimeError):
        return None
    if Path(relative).is_absolute() or not resolved.is_relative_to(folder.resolve()):
        return None
    return path


def _release_problems(
    name: str, folder: Path, spec: TemplateFile, doc: object, file: str
) -> list[Problem]:
    problems: list[Problem] = []
    rerun = f"re-run `qlikreconcile template release {name}` and commit the result"
    seen: dict[int, int] = {}
    for index, release in enumerate(spec.releases):
        here = ("releases", index)
        if release.version in seen:
            problems.append(
                Problem(
                    locate(doc, (*here, "version")) or SourcePosition(file),
                    f"release {release.version} of template '{name}' is listed twice",
                    "keep one entry per version",
                )
            )
        seen[release.version] = index
        pos = locate(doc, (*here, "artifact")) or SourcePosition(file)
        path = _inside(folder, release.artifact)
        if path is None:
            problems.append(
                Problem(
                    pos,
                    f"artifact '{release.artifact}' is outside the template folder",
                    "use a path relative to the template folder",
                )
            )
            continue
        if not path.is_file():
            problems.append(
                Problem(
                    pos,
                    f"artifact '{release.artifact}' of release {release.version} not found",
                    f"restore it from git or {rerun}",
                )
            )
            continue
        actual = sha256_of(path)
        if actual != release.sha256:
            with path.open("rb") as stream:
                lfs = stream.read(len(_LFS_POINTER)) == _LFS_POINTER
            fix = "run `git lfs pull` to fetch the real file" if lfs else rerun
            problems.append(
                Problem(
                    locate(doc, (*here, "sha256")) or pos,
                    f"sha256 of '{release.artifact}' is {actual}, template.yaml records"
                    f" {release.sha256}",
                    fix,
                )
            )
    return problems


def _check_problems(spec: TemplateFile, doc: object, file: str) -> list[Problem]:
    """The data checks of the health gate: each names a table or a field, with sane bounds."""
    problems: list[Problem] = []
    seen: dict[DataCheck, int] = {}
    for index, entry in enumerate(spec.checks):
        here = ("checks", index)
        pos = locate(doc, here) or SourcePosition(file)

        def at(key: str, message: str, fix: str, here: tuple[str, int] = here) -> None:
            problems.append(
                Problem(
                    locate(doc, (*here, key)) or locate(doc, here) or SourcePosition(file),
                    message,
                    fix,
                )
            )

        if entry.table is None and entry.field is None:
            problems.append(
                Problem(
                    pos,
                    "a data check names a `table` or a `field`",
                    "write e.g. {table: Orders, min_rows: 1} or {field: CustomerID}",
                )
            )
            continue
        for key, value in (("table", entry.table), ("field", entry.field)):
            if value is not None and not value.strip():
                at(key, f"`{key}` is empty", f"write the {key} name as the load script has it")
        bounded = entry.min_rows is not None or entry.max_rows is not None
        if bounded and entry.field is not None:
            key = "min_rows" if entry.min_rows is not None else "max_rows"
            at(
                key,
                "row bounds apply to a table, not to a field",
                "put the bounds in a check of its own: {table: NAME, min_rows: N}",
            )
        if bounded and entry.table is None:
            continue
        low, high = entry.min_rows, entry.max_rows
        if low is not None and high is not None and low > high:
            at("max_rows", f"max_rows {high} is below min_rows {low}", "swap or correct them")
        check = DataCheck(**entry.model_dump())
        if check in seen:
            problems.append(
                Problem(
                    pos,
                    f"the same data check is listed twice (also checks[{seen[check]}])",
                    "keep one of them",
                )
            )
        seen.setdefault(check, index)
    return problems


def load_template(
    name: str, folder: Path, file: str, env: SandboxedEnvironment
) -> tuple[LoadedTemplate | None, list[Problem]]:
    """Load one template folder; `file` is the display path of its template.yaml."""
    top = SourcePosition(file)
    doc, problems = load_yaml_file(folder / TEMPLATE_FILE, file)
    if problems:
        return None, problems
    if doc is None:
        return None, [Problem(top, "template file is empty", "see docs/spec.md for its keys")]
    spec, problems = validate(TemplateFile, doc, fallback=top, what="template file")
    if spec is None:
        return None, problems
    if not TEMPLATE_NAME_RE.match(name):
        problems.append(
            Problem(
                top,
                f"template folder name '{name}' is not valid",
                "use lower-case letters, digits, - and _",
            )
        )
    for path, value in (
        (("display_name",), spec.display_name),
        (("source", "app"), spec.source.app),
    ):
        if not value.strip():
            where = ".".join(path)
            problems.append(
                Problem(locate(doc, path) or top, f"`{where}` is empty", "give it a name")
            )
    space_message = check_space_name(spec.source.space)
    if space_message:
        problems.append(
            Problem(
                locate(doc, ("source", "space")) or top,
                space_message,
                "use the source space's exact name",
            )
        )
    for index, variable in enumerate(spec.variables.required):
        if not VARIABLE_NAME_RE.match(variable):
            problems.append(
                Problem(
                    locate(doc, ("variables", "required", index)) or top,
                    f"invalid variable name '{variable}'",
                    "use letters, digits and _ only",
                )
            )
    problems += _release_problems(name, folder, spec, doc, file)
    problems += _check_problems(spec, doc, file)

    script: ScriptTemplate | None = None
    script_text = ""
    script_pos = locate(doc, ("script",)) or top
    script_path = _inside(folder, spec.script)
    script_file = str(Path(file).parent / spec.script)
    if script_path is None:
        problems.append(
            Problem(
                script_pos,
                f"script '{spec.script}' is outside the template folder",
                "use a file name in the template folder",
            )
        )
    elif not script_path.is_file():
        problems.append(
            Problem(
                script_pos,
                f"script file '{spec.script}' not found",
                f"create {script_file} or correct `script:`",
            )
        )
    else:
        text, found = read_text_file(script_path, script_file)
        problems += found
        if text is not None:
            script_text = text
            script, found = compile_script(env, text, script_file)
            problems += found
    if problems:
        return None, problems
    template = Template(
        name=name,
        display_name=spec.display_name,
        source_space=spec.source.space,
        source_app=spec.source.app,
        script=spec.script,
        required_variables=tuple(spec.variables.required),
        releases=tuple(Release(**r.model_dump()) for r in spec.releases),
        checks=tuple(DataCheck(**c.model_dump()) for c in spec.checks),
        folder=folder,
        script_text=script_text,
    )
    return LoadedTemplate(template, script, file), []
