"""The README is the front door: its commands are the ones CI runs and the CLI really has."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from newsvault.cli import cli
from newsvault.errors import NewsvaultError

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    found: list[tuple[str, click.Command]] = []
    for name, command in sorted(group.commands.items()):
        found.append((f"{prefix}{name}", command))
        if isinstance(command, click.Group):
            found.extend(_commands(command, f"{prefix}{name} "))
    return found


COMMANDS = _commands(cli)


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    command = "pip install -e '.[test]' && pytest"
    assert command in README
    assert [line for line in ci.splitlines() if line.strip() == command]


@pytest.mark.parametrize(("name", "command"), COMMANDS, ids=[name for name, _ in COMMANDS])
def test_every_command_is_in_the_readme(name: str, command: click.Command) -> None:
    assert f"newsvault {name}" in README


@pytest.mark.parametrize(("name", "command"), [("newsvault", cli), *COMMANDS])
def test_every_help_text_ends_with_an_example(name: str, command: click.Command) -> None:
    help_text = (command.help or "").rstrip()
    assert "Example:" in help_text, f"{name} --help has no example"
    tail = help_text.split("Example:")[-1]
    assert "newsvault" in tail


def _exit_codes() -> dict[int, type[NewsvaultError]]:
    classes: list[type[NewsvaultError]] = [NewsvaultError]
    seen: dict[int, type[NewsvaultError]] = {}
    while classes:
        cls = classes.pop()
        seen.setdefault(cls.exit_code, cls)
        classes.extend(cls.__subclasses__())
    return seen


@pytest.mark.parametrize("code", sorted(_exit_codes()))
def test_every_exit_code_is_documented(code: int) -> None:
    assert re.search(rf"^\| +{code} \| ", README, re.MULTILINE), f"exit code {code} missing"


@pytest.mark.parametrize("option", [p.opts[-1] for p in cli.params if p.opts[-1].startswith("--")])
def test_every_global_option_is_documented(option: str) -> None:
    assert option in README
