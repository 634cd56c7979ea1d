#!/usr/bin/env python3
"""Keeps README.md's configuration tables true to the binaries.

    check_readme_config.py README.md NAME=BINARY...

For every NAME (octo-reflex, octo-orchestrator, octo-arm, octoctl) runs `BINARY --help` and
compares its settings (flag, variable, default) with what README.md's "Configuration"
section documents for NAME, both ways: every flag in --help is documented, every documented
flag exists, and variables and defaults are equal. Services are documented as a table under
**NAME** (a row `| --a, --b | as above | | |` takes the variable and default of the first
table that documents them); octoctl as a paragraph `**octoctl**: --flag (VAR, default V)...`
in which every flag with a variable must appear, the others being the subcommand options its
--help lists under "Commands". Defaults compare as values: `60s` equals `1m`, `empty`,
`(required)` and a blank cell equal "". Exit 0 when all hold, 1 otherwise.
"""
import re
import subprocess
import sys

problems = []


def fail(msg):
    problems.append(msg)


def help_settings(binary):
    """{flag: (variable, default)} from --help, and the text before "Flags:"."""
    out = subprocess.run([binary, "--help"], capture_output=True, text=True, timeout=30,
                         check=True).stdout
    head, sep, flags = out.partition("\nFlags:\n")
    if not sep:
        raise SystemExit(f"{binary} --help: no Flags: section")
    settings = {}
    for line in flags.splitlines():
        m = re.fullmatch(r"  --(\S+)\s+(\$\S+)?\s*(.*) \(default: (.*)\)", line)
        if not m:
            raise SystemExit(f"{binary} --help: cannot read line {line!r}")
        flag, var, _help, default = m.groups()
        settings[flag] = ((var or "").lstrip("$"), "" if default == '""' else default)
    return settings, head


def config_section(readme):
    m = re.search(r"^## Configuration\n(.*?)^## ", readme, re.S | re.M)
    if not m:
        raise SystemExit("README.md: no ## Configuration section")
    return m.group(1)


def unquote(cell):
    cell = cell.strip()
    m = re.fullmatch(r"`([^`]*)`", cell)
    if m:
        return m.group(1)
    if cell in ("", "empty", "(required)"):
        return ""
    return cell


def readme_tables(section):
    """{name: {flag: (variable, default)}} from the **name** tables."""
    tables = {}
    first = {}  # flag -> (variable, default) of the first table documenting it
    for name, body in re.findall(r"^\*\*([\w-]+)\*\*\n\n((?:\|.*\n)+)", section, re.M):
        rows = {}
        for line in body.splitlines()[2:]:
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if len(cells) != 4:
                fail(f"README {name}: row {line!r} does not have 4 cells")
                continue
            flags = re.findall(r"`--(\w+)`", cells[0])
            if not flags:
                fail(f"README {name}: row {line!r} names no flag")
            for flag in flags:
                if flag in rows:
                    fail(f"README {name}: --{flag} documented twice")
                if cells[1] == "as above":
                    if flag not in first:
                        fail(f"README {name}: --{flag} is 'as above' but no table above has it")
                        continue
                    rows[flag] = first[flag]
                else:
                    rows[flag] = (unquote(cells[1]), unquote(cells[2]))
                    first.setdefault(flag, rows[flag])
        tables[name] = rows
    return tables


def readme_octoctl(section):
    """{flag: (variable or "", default or None)} from the **octoctl**: paragraph."""
    m = re.search(r"^\*\*octoctl\*\*:(.*?)(?:\n\n|\Z)", section, re.S | re.M)
    if not m:
        return None
    text = " ".join(m.group(1).split())
    flags = {}
    for flag, inner in re.findall(r"`--(\w+)`(?:\s*\(([^)]*)\))?", text):
        var = re.search(r"`(OCTO_\w+)`", inner or "")
        default = re.search(r"default `([^`]*)`", inner or "")
        flags[flag] = (var.group(1) if var else "", default.group(1) if default else None)
    return flags


def duration_seconds(text):
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|us|ns|h|m|s)", text)
    if not parts or "".join(n + u for n, u in parts) != text:
        return None
    scale = {"h": 3600, "m": 60, "s": 1, "ms": 1e-3, "us": 1e-6, "ns": 1e-9}
    return sum(float(n) * scale[u] for n, u in parts)


def same_default(documented, actual):
    if documented == actual:
        return True
    a, b = duration_seconds(documented), duration_seconds(actual)
    if a is not None and b is not None:
        return abs(a - b) < 1e-9
    try:
        return float(documented) == float(actual)
    except ValueError:
        return False


def compare(name, documented, actual):
    for flag in sorted(set(actual) - set(documented)):
        fail(f"{name}: --{flag} (${actual[flag][0]}) is in --help but not in README.md")
    for flag in sorted(set(documented) - set(actual)):
        fail(f"{name}: README.md documents --{flag}, which {name} does not have")
    for flag in sorted(set(documented) & set(actual)):
        (dvar, ddefault), (avar, adefault) = documented[flag], actual[flag]
        if dvar != avar:
            fail(f"{name}: --{flag}: README.md says variable {dvar!r}, --help says {avar!r}")
        if ddefault is not None and not same_default(ddefault, adefault):
            fail(f"{name}: --{flag}: README.md says default {ddefault!r}, "
                 f"--help says {adefault!r}")


def main(readme_path, binaries):
    section = config_section(open(readme_path, encoding="utf-8").read())
    tables = readme_tables(section)
    for name, binary in binaries.items():
        actual, usage = help_settings(binary)
        if name == "octoctl":
            documented = readme_octoctl(section)
            if documented is None:
                fail("README.md: no **octoctl**: paragraph")
                continue
            # Subcommand options (no variable) are documented by the Commands usage.
            for flag, (var, _) in sorted(actual.items()):
                if flag not in documented and not var:
                    if f"--{flag}" not in usage:
                        fail(f"octoctl: --{flag} is neither in README.md nor in its usage")
                    documented[flag] = ("", None)
            compare(name, documented, actual)
        elif name not in tables:
            fail(f"README.md: no **{name}** table")
        else:
            compare(name, tables[name], actual)
    for p in problems:
        print("FAIL", p)
    names = ", ".join(binaries)
    print(f"{len(problems)} problem(s) in README.md's configuration of {names}")
    return 1 if problems else 0


if __name__ == "__main__":
    if len(sys.argv) < 3 or not all("=" in a for a in sys.argv[2:]):
        print(__doc__)
        sys.exit(2)
    sys.exit(main(sys.argv[1], dict(a.split("=", 1) for a in sys.argv[2:])))
