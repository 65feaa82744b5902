#!/usr/bin/env python3
"""The man pages document everything the programs accept.

usage: check_man_pages.py SOURCE_DIR RTPRELAYD RTPRELAY_CTL

rtprelayd.8.md: every option `rtprelayd --help` describes (OptionTable's `available` and
command-line-only options) has an entry of its own in OPTIONS (a definition term line starting
with its short and/or long form); every option --help lists without a description (`later`:
accepted and ignored) is named in COMPATIBILITY OPTIONS, and nothing named there is an option
the daemon supports.

rtprelay-ctl.8.md: every CLI command the daemon dispatches (read from src/ops/CliCommands.cpp:
the top-level commands, `list X`, `set X`, `params X`, `terminate X`) and every option of
`rtprelay-ctl --help` has an entry in COMMANDS or OPTIONS.

Prints one FAIL line per missing item and exits 1 if there is any.
"""
import re
import subprocess
import sys
from pathlib import Path

failures = []


def fail(message):
    failures.append(message)
    print("FAIL: " + message)


def section(markdown, title):
    """Text of the level-1 section `# TITLE` up to the next level-1 heading."""
    match = re.search(r"^# " + re.escape(title) + r"\n(.*?)(?=^# |\Z)", markdown, re.M | re.S)
    if not match:
        fail(f"section '# {title}' missing")
        return ""
    return match.group(1)


def term_lines(text):
    """Definition-list terms: the lines directly followed by a `:   ` definition line."""
    lines = text.splitlines()
    return [lines[i] for i in range(len(lines) - 1) if lines[i + 1].startswith(":   ")]


def daemon_options(rtprelayd):
    """(described, undescribed) options of `rtprelayd --help`, as (short, long) pairs."""
    text = subprocess.run([rtprelayd, "--help"], check=True, capture_output=True,
                          text=True).stdout
    described, undescribed = [], []
    pattern = re.compile(r"^  (?:-(\w), |    )--([a-z0-9-]+)(?:=[A-Z]+)?(?: {2,}(\S.*))?$")
    for line in text.splitlines():
        match = pattern.match(line)
        if match:
            short, name, help_text = match.groups()
            (described if help_text else undescribed).append((short, name))
    if len(described) < 10 or len(undescribed) < 10:
        fail(f"could not read the option list of '{rtprelayd} --help'")
    return described, undescribed


def check_rtprelayd(source_dir, rtprelayd):
    page = (source_dir / "docs/man/rtprelayd.8.md").read_text()
    described, undescribed = daemon_options(rtprelayd)
    terms = term_lines(section(page, "OPTIONS"))
    for short, name in described:
        wanted = [f"`--{name}`"] + ([f"`-{short}`"] if short else [])
        if not any(all(w in t for w in wanted) for t in terms):
            fail(f"rtprelayd.8.md: option --{name}" + (f" (-{short})" if short else "") +
                 " has no entry in OPTIONS (a term line with " + " and ".join(wanted) + ")")
    compatibility = section(page, "COMPATIBILITY OPTIONS")
    named = set(re.findall(r"\*\*\\?--([a-z0-9-]+)\*\*", compatibility))
    for _, name in undescribed:
        if name not in named:
            fail(f"rtprelayd.8.md: option --{name} (accepted and ignored) is not named in "
                 "COMPATIBILITY OPTIONS")
    supported = {name for _, name in described}
    for name in sorted(named & supported):
        fail(f"rtprelayd.8.md: --{name} is supported but listed as ignored in "
             "COMPATIBILITY OPTIONS")
    for name in sorted(named - supported - {n for _, n in undescribed}):
        fail(f"rtprelayd.8.md: COMPATIBILITY OPTIONS names --{name}, which rtprelayd "
             "does not accept")


def function_body(source, name):
    match = re.search(r"^CliAnswer CliCommands::" + name + r"\(.*?^}", source, re.M | re.S)
    if not match:
        fail(f"CliCommands::{name} not found in src/ops/CliCommands.cpp")
        return ""
    return match.group(0)


def cli_commands(source_dir):
    """Command phrases the daemon's CLI dispatches, e.g. 'list totals', 'set timeout'."""
    source = (source_dir / "src/ops/CliCommands.cpp").read_text()
    commands = set()
    for word in re.findall(r'command == "(\w+)"', function_body(source, "execute")):
        commands.add(word)
    for word in re.findall(r'what == "(\w+)"', function_body(source, "list")):
        commands.add("list " + word)
    for word in re.findall(r'which (?:==|!=) "(\w+)"', function_body(source, "sessions")):
        commands.add("list sessions " + word)
    settables = re.search(r"settables\[\] = \{(.*?)\};", source, re.S)
    for word in re.findall(r'\{"(\w+)", "[\w-]+"\}', settables.group(1) if settables else ""):
        commands.add("set " + word)
    for word in re.findall(r'what == "(\w+)"', function_body(source, "params")):
        commands.add("params " + word)
    for word in re.findall(r'which == "(\w+)"', function_body(source, "terminate")):
        commands.add("terminate " + word)
    if len(commands) < 20:
        fail("could not read the CLI commands from src/ops/CliCommands.cpp")
    return commands


def check_rtprelay_ctl(source_dir, ctl):
    page = (source_dir / "docs/man/rtprelay-ctl.8.md").read_text()
    terms = term_lines(section(page, "COMMANDS"))
    documented = set()
    for term in terms:
        for phrase in re.findall(r"`([^`]+)`", term):
            documented.add(" ".join(phrase.split()))
    for command in sorted(cli_commands(source_dir)):
        # `usage`/`help`, `list`/`get` are aliases: the first is the entry, the alias is said
        # in its heading.
        if command in ("help", "get", "list", "set", "params", "terminate"):
            heading = {"help": "## usage (or help)", "get": "## list (or get)"}.get(
                command, "## " + command)
            if heading not in page:
                fail(f"rtprelay-ctl.8.md: no heading '{heading}'")
            continue
        if command not in documented:
            fail(f"rtprelay-ctl.8.md: command '{command}' has no entry in COMMANDS")
    usage = subprocess.run([ctl, "--help"], check=True, capture_output=True, text=True).stdout
    option_terms = " ".join(term_lines(section(page, "OPTIONS")))
    for option in sorted(set(re.findall(r"\[(-\w+)", usage))):
        if f"`{option}" not in option_terms:
            fail(f"rtprelay-ctl.8.md: option {option} of 'rtprelay-ctl --help' has no entry "
                 "in OPTIONS")


def main():
    if len(sys.argv) != 4:
        print(__doc__)
        return 2
    source_dir = Path(sys.argv[1])
    check_rtprelayd(source_dir, sys.argv[2])
    check_rtprelay_ctl(source_dir, sys.argv[3])
    if failures:
        print(f"{len(failures)} undocumented or misdocumented items")
        return 1
    print("man pages document every option and command")
    return 0


if __name__ == "__main__":
    sys.exit(main())
