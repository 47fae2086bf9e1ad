#!/usr/bin/env python3
"""Measure the rule engine against Prometheus's own PromQL test scripts.

Prometheus keeps its PromQL tests as scripts (`promql/testdata/*.test` in 2.x,
`promql/promqltest/testdata/*.test` in 3.x): `load`, `clear` and `eval` commands.
Those files cannot be committed here, so this script converts a local copy of
them, one promtool unit-test file per `eval`, and runs them:

  --mode prometheus2   each case must first pass promtool (2.42 on Debian 12);
                       an expectation promtool answers within the harness's
                       tolerance (1e-6 relative) is rewritten to promtool's
                       exact answer. Then `copythat-exporter test-rules
                       --compatibility prometheus2` must pass the same file:
                       byte-for-byte agreement with promtool.
  --mode prometheus3   no promtool 3 here: our answer (default mode) is judged
                       against the script's own expectation with the 3.x
                       harness's tolerance.

Cases the unit-test format cannot express are counted, not run: `eval_fail`,
expectations of NaN in 2.x mode (promtool compares with reflect.DeepEqual),
string results, range evaluations that use start()/end().

Usage:
  scripts/promql-testdata.py --mode prometheus2 --exporter .build/debug/copythat-exporter DIR
  scripts/promql-testdata.py --mode prometheus3 --exporter ... --verbose DIR
"""

from __future__ import annotations

import argparse
import math
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from fractions import Fraction

UNITS_MS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 604_800_000, "y": 31_536_000_000}


def duration_ms(text: str) -> int:
    """A Prometheus duration (`5m`, `1h30m`, `10s`, `1ms`) or plain seconds in milliseconds."""
    text = text.strip()
    if re.fullmatch(r"[0-9.]+", text):
        return int(Fraction(text) * 1000)
    total = 0
    for number, unit in re.findall(r"([0-9]+)(ms|s|m|h|d|w|y)", text):
        total += int(number) * UNITS_MS[unit]
    if not re.fullmatch(r"(?:[0-9]+(?:ms|s|m|h|d|w|y))+", text):
        raise ValueError(f"bad duration {text!r}")
    return total


def ms_text(ms: int) -> str:
    if ms % 1000 == 0:
        return f"{ms // 1000}s"
    return f"{ms}ms"


@dataclass
class Load:
    interval_ms: int
    series: list[tuple[str, str]]


@dataclass
class Eval:
    file: str
    line: int
    kind: str  # instant | range
    expr: str
    time_ms: int = 0
    start_ms: int = 0
    end_ms: int = 0
    step_ms: int = 0
    fail: bool = False
    ordered: bool = False
    expected: list[tuple[str, str]] = field(default_factory=list)  # (labels, value or series notation)
    loads: list[Load] = field(default_factory=list)


def split_labels_value(line: str) -> tuple[str, str]:
    """`metric{a="b c"} 1 2` -> ('metric{a="b c"}', '1 2'), honouring quotes in label values."""
    line = line.strip()
    if "{" in line.split(" ")[0] or line.startswith("{"):
        depth, quoted, escape = 0, False, False
        for i, ch in enumerate(line):
            if quoted:
                if escape:
                    escape = False
                elif ch == "\\":
                    escape = True
                elif ch == '"':
                    quoted = False
                continue
            if ch == '"':
                quoted = True
            elif ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
                if depth == 0:
                    return line[: i + 1], line[i + 1 :].strip()
        raise ValueError(f"unbalanced braces: {line}")
    parts = line.split(None, 1)
    head, rest = parts[0], (parts[1].strip() if len(parts) > 1 else "")
    if not rest:  # a bare value: a scalar result
        return "", head
    return head, rest


def parse_script(path: str) -> tuple[list[Eval], list[str]]:
    """The evals of one script, each with the loads in force; and the commands not understood."""
    lines = open(path, encoding="utf-8").read().split("\n")
    loads: list[Load] = []
    evals: list[Eval] = []
    unknown: list[str] = []
    i = 0
    while i < len(lines):
        raw = lines[i]
        stripped = raw.strip()
        i += 1
        if not stripped or stripped.startswith("#"):
            continue
        if stripped == "clear":
            loads = []
            continue
        m = re.match(r"^load(?:_with_nhcb)?\s+(\S+)$", stripped)
        if m:
            load = Load(duration_ms(m.group(1)), [])
            while i < len(lines) and lines[i].strip() and (lines[i][0] in " \t"):
                if not lines[i].strip().startswith("#"):
                    load.series.append(split_labels_value(lines[i]))
                i += 1
            loads.append(load)
            continue
        m = re.match(r"^(eval(?:_fail|_ordered|_warn|_info)?)\s+instant\s+at\s+(\S+)\s+(.*)$", stripped)
        r = re.match(r"^(eval(?:_fail|_ordered|_warn|_info)?)\s+range\s+from\s+(\S+)\s+to\s+(\S+)\s+step\s+(\S+)\s+(.*)$", stripped)
        if m or r:
            if m:
                ev = Eval(path, i, "instant", m.group(3), time_ms=duration_ms(m.group(2)))
                command = m.group(1)
            else:
                ev = Eval(path, i, "range", r.group(5), start_ms=duration_ms(r.group(2)),
                          end_ms=duration_ms(r.group(3)), step_ms=duration_ms(r.group(4)))
                command = r.group(1)
            ev.fail = command == "eval_fail"
            ev.ordered = command == "eval_ordered"
            ev.loads = list(loads)
            while i < len(lines) and lines[i].strip() and (lines[i][0] in " \t"):
                body = lines[i].strip()
                i += 1
                if body.startswith("#"):
                    continue
                if body.startswith("expect "):
                    what = body.split()[1]
                    if what == "fail":
                        ev.fail = True
                    elif what == "ordered":
                        ev.ordered = True
                    elif what == "string":
                        ev.expected.append(("<string>", body))
                    continue
                ev.expected.append(split_labels_value(body))
            evals.append(ev)
            continue
        unknown.append(f"{path}:{i}: {stripped[:60]}")
    return evals, unknown


def go_parse_float(token: str) -> float:
    t = token.strip()
    low = t.lower()
    if low in ("inf", "+inf"):
        return math.inf
    if low == "-inf":
        return -math.inf
    if low == "nan":
        return math.nan
    return float(t)


def expand_series(values: str) -> list[str | None]:
    """Series notation expanded to one entry a step: a value's text, '_' (none) or 'stale'."""
    out: list[str | None] = []
    for token in values.split():
        if token == "_":
            out.append(None)
            continue
        m = re.fullmatch(r"_x([0-9]+)", token)
        if m:
            out.extend([None] * int(m.group(1)))
            continue
        if token == "stale":
            out.append("stale")
            continue
        m = re.fullmatch(r"([-+]?[^-+x]+(?:[eE][-+]?[0-9]+)?)([-+])([^x]+)x([0-9]+)", token)
        if m:
            start, sign, step, times = m.groups()
            value, delta = go_parse_float(start), go_parse_float(step) * (1 if sign == "+" else -1)
            for _ in range(int(times) + 1):
                out.append(repr(value))
                value += delta
            continue
        m = re.fullmatch(r"([^x]+)x([0-9]+)", token)
        if m:
            out.extend([m.group(1)] * (int(m.group(2)) + 1))
            continue
        out.append(token)
    return out


def regrid(values: str, factor: int) -> str:
    """The same samples on an interval `factor` times finer: gaps between them."""
    if factor == 1:
        return values
    parts: list[str] = []
    for index, value in enumerate(expand_series(values)):
        if index > 0:
            parts.append(f"_x{factor - 1}")
        parts.append("_" if value is None else value)
    return " ".join(parts)


def yaml_value(token: str) -> str:
    low = token.lower()
    if low in ("inf", "+inf"):
        return ".inf"
    if low == "-inf":
        return "-.inf"
    if low == "nan":
        return ".nan"
    return token


def quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def unit_test(ev: Eval, instants: list[tuple[int, list[tuple[str, str]]]]) -> str | None:
    """A promtool unit-test file for the eval, or None when its loads cannot share one interval."""
    intervals = [load.interval_ms for load in ev.loads if load.series]
    interval = math.gcd(*intervals) if intervals else 60_000
    lines = ["evaluation_interval: 1m", "tests:", f"  - interval: {ms_text(interval)}", "    input_series:"]
    seen = set()
    for load in ev.loads:
        for series, values in load.series:
            seen.add(series)
            lines += [f"      - series: {quote(series)}", f"        values: {quote(regrid(values, load.interval_ms // interval))}"]
    if not seen:
        lines[-1] = "    input_series: []"
    # promtool loads samples lazily, up to each evaluation step and never past the last one: make every
    # eval time a step, and add a last check at the final sample so that `@` and negative offsets see it all.
    last_sample = max((len(expand_series(values)) - 1) * load.interval_ms for load in ev.loads for _, values in load.series) if seen else 0
    times = [t for t, _ in instants] + [last_sample]
    step = math.gcd(*[t for t in times if t > 0]) if any(t > 0 for t in times) else 60_000
    lines[0] = f"evaluation_interval: {ms_text(step)}"
    lines.append("    promql_expr_test:")
    if last_sample > max(t for t, _ in instants):
        lines += ["      - expr: vector(0)", f"        eval_time: {ms_text(last_sample)}", "        exp_samples:",
                  "          - labels: '{}'", "            value: 0"]
    for time_ms, samples in instants:
        lines += [f"      - expr: {quote(ev.expr)}", f"        eval_time: {ms_text(time_ms)}"]
        if not samples:
            lines.append("        exp_samples: []")
            continue
        lines.append("        exp_samples:")
        for labels, value in samples:
            lines += [f"          - labels: {quote(labels or '{}')}", f"            value: {yaml_value(value)}"]
    return "\n".join(lines) + "\n"


def instants_of(ev: Eval) -> list[tuple[int, list[tuple[str, str]]]] | str:
    """The eval as instants with their expected samples, or the reason it cannot be converted."""
    if any(labels == "<string>" or value.startswith('"') for labels, value in ev.expected):
        return "string result"
    if ev.kind == "instant":
        return [(ev.time_ms, ev.expected)]
    if re.search(r"\b(start|end)\s*\(\s*\)", ev.expr):
        return "range eval with start()/end()"
    steps = list(range(ev.start_ms, ev.end_ms + 1, ev.step_ms))
    per_step: list[list[tuple[str, str]]] = [[] for _ in steps]
    for labels, values in ev.expected:
        expanded = expand_series(values)
        for index, value in enumerate(expanded[: len(steps)]):
            if value is not None and value != "stale":
                per_step[index].append((labels, value))
    return list(zip(steps, per_step))


# --- reading promtool's (and our) failure report -------------------------------------------

def parse_sample_list(text: str) -> list[tuple[str, float]]:
    samples = []
    text = text.strip()
    while text:
        labels, rest = split_labels_value(text)
        value, _, text = rest.partition(", ")
        samples.append((labels, go_parse_float(value.strip())))
        text = text.strip()
    return samples


def parse_failures(output: str) -> dict[str, tuple[list[tuple[str, float]], list[tuple[str, float]]]]:
    """(expected, got) of every failed expression in a report, by its `time:`."""
    found = {}
    exp = None
    when = None
    for line in output.split("\n"):
        s = line.strip()
        m = re.match(r'^expr: ".*", time: (\S+),$', s)
        if m:
            when = m.group(1)
        elif s.startswith("exp:"):
            exp = s[4:].strip()
        elif s.startswith("got:") and exp is not None and when is not None:
            got = s[4:].strip()
            found[when] = (parse_sample_list("" if exp == "nil" else exp), parse_sample_list("" if got == "nil" else got))
            exp = None
    return found


def go_duration(ms: int) -> str:
    """A time as Go's model.Duration prints it (promtool's `time:`), e.g. 1h23m20s, 50m, 0s, 1ms."""
    if ms == 0:
        return "0s"
    out = ""
    for unit, size in (("y", 31_536_000_000), ("w", 604_800_000), ("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1)):
        if ms >= size:
            out += f"{ms // size}{unit}"
            ms %= size
    return out


def tolerant_pass(instants, output: str) -> bool:
    """Whether every failure in a report is within the harness's tolerance of the script's expectation."""
    reports = parse_failures(output)
    if not reports or output.count("got:") != len(reports) or "err:" in output:
        return False
    by_time = {go_duration(t): samples for t, samples in instants}
    for when, (_, got) in reports.items():
        expected = by_time.get(when)
        if expected is None:
            return False
        if not same_within_tolerance([(l, go_parse_float(v)) for l, v in expected], got):
            return False
    return True


def canonical(labels: str) -> tuple:
    """Labels as a sorted tuple, the metric name as __name__."""
    labels = labels.strip()
    name, _, body = labels.partition("{")
    pairs = []
    if name:
        pairs.append(("__name__", name))
    body = body.rstrip("}")
    for key, value in re.findall(r'\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*,?', body):
        pairs.append((key, value))
    return tuple(sorted(pairs))


def almost_equal(a: float, b: float, epsilon: float = 1e-6) -> bool:
    """The harness's comparison (promql/test.go almostEqual): NaN equals NaN, relative 1e-6."""
    if math.isnan(a) and math.isnan(b):
        return True
    if a == b:
        return True
    diff = abs(a - b)
    min_normal = 2.2250738585072014e-308
    if a == 0 or b == 0 or diff < min_normal:
        return diff < epsilon * min_normal
    return diff / (abs(a) + abs(b)) < epsilon


def same_within_tolerance(expected, got) -> bool:
    exp = sorted((canonical(labels), value) for labels, value in expected)
    gt = sorted((canonical(labels), value) for labels, value in got)
    return len(exp) == len(gt) and all(a[0] == b[0] and almost_equal(a[1], b[1]) for a, b in zip(exp, gt))


def run(command: list[str]) -> tuple[int, str]:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        return 124, "timeout"
    return done.returncode, done.stdout + done.stderr


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mode", choices=["prometheus2", "prometheus3"], required=True)
    parser.add_argument("--exporter", required=True, help="path to copythat-exporter")
    parser.add_argument("--promtool", default="promtool")
    parser.add_argument("--keep", help="directory to keep the converted files in")
    parser.add_argument("--verbose", action="store_true", help="print every failing case with both answers")
    parser.add_argument("dirs", nargs="+")
    args = parser.parse_args()

    workdir = args.keep or tempfile.mkdtemp(prefix="promql-testdata-")
    os.makedirs(workdir, exist_ok=True)
    counts = {"cases": 0, "pass": 0, "fail": 0}
    skipped: dict[str, int] = {}
    failures: list[str] = []
    unknown_all: list[str] = []
    files = sorted(os.path.join(d, f) for d in args.dirs for f in os.listdir(d) if f.endswith(".test"))
    for path in files:
        evals, unknown = parse_script(path)
        unknown_all += unknown
        base = os.path.basename(path)[:-5]
        for number, ev in enumerate(evals):
            where = f"{os.path.basename(path)}:{ev.line}"
            instants = instants_of(ev)
            if isinstance(instants, str):
                skipped[instants] = skipped.get(instants, 0) + 1
                continue
            text = unit_test(ev, instants)
            if text is None:
                skipped["one series loaded twice"] = skipped.get("one series loaded twice", 0) + 1
                continue
            file = os.path.join(workdir, f"{base}_{number:03d}_test.yml")
            with open(file, "w", encoding="utf-8") as out:
                out.write(text)
            has_nan = any(v.lower() == "nan" for _, samples in instants for _, v in samples)
            if args.mode == "prometheus2" and (has_nan or ev.fail):
                # promtool cannot assert NaN (reflect.DeepEqual) or a failure: give both tools an expectation no
                # answer meets and compare what they report instead, byte for byte.
                kind = "eval_fail" if ev.fail else "NaN expected"
                with open(file, "w", encoding="utf-8") as out:
                    out.write(unit_test(ev, [(t, [(SENTINEL, "0")]) for t, _ in instants]))
                theirs = report_body(run([args.promtool, "test", "rules", file])[1])
                if ev.fail != ("err:" in theirs):
                    skipped[f"{kind}: promtool 2.42 disagrees with the script"] = skipped.get(f"{kind}: promtool 2.42 disagrees with the script", 0) + 1
                    if args.verbose:
                        print(f"promtool-fails {where}: {ev.expr}\n{indent(theirs)}")
                    continue
                counts["cases"] += 1
                counts["reports"] = counts.get("reports", 0) + 1
                ours = report_body(run([args.exporter, "test-rules", "--compatibility", "prometheus2", file])[1])
                if ours == theirs:
                    counts["pass"] += 1
                else:
                    counts["fail"] += 1
                    failures.append(f"{where}: {ev.expr}\n    promtool:\n{indent(theirs)}\n    ours:\n{indent(ours)}")
                continue
            if ev.fail:
                # No promtool 3 to compare the wording with: the case passes when our evaluation fails too.
                counts["cases"] += 1
                output = run([args.exporter, "test-rules", file])[1]
                if "err:" in output:
                    counts["pass"] += 1
                else:
                    counts["fail"] += 1
                    failures.append(f"{where}: {ev.expr} (expected to fail)\n{indent(output)}")
                continue
            if args.mode == "prometheus2":
                status, output = run([args.promtool, "test", "rules", file])
                judged_by_tolerance = False
                if status != 0 and tolerant_pass(instants, output):
                    # promtool is right within the harness's tolerance: take its exact answers.
                    reports = parse_failures(output)
                    fixed = []
                    for t, samples in instants:
                        report = reports.get(go_duration(t))
                        fixed.append((t, samples if report is None else [(labels, go_text(v)) for labels, v in report[1]]))
                    with open(file, "w", encoding="utf-8") as out:
                        out.write(unit_test(ev, fixed))
                    status, output = run([args.promtool, "test", "rules", file])
                    if status != 0 and tolerant_pass(instants, output):
                        # promtool's last bits vary from run to run (it loads series in map order): judge ours
                        # by the harness's tolerance instead of byte for byte.
                        judged_by_tolerance = True
                        with open(file, "w", encoding="utf-8") as out:
                            out.write(text)
                if status != 0 and not judged_by_tolerance:
                    skipped["promtool 2.42 does not pass it"] = skipped.get("promtool 2.42 does not pass it", 0) + 1
                    if args.verbose:
                        print(f"promtool-fails {where}: {ev.expr}\n{indent(output)}")
                    os.rename(file, file + ".promtool-fails")
                    continue
                counts["cases"] += 1
                if judged_by_tolerance:
                    counts["tolerance"] = counts.get("tolerance", 0) + 1
                status, output = run([args.exporter, "test-rules", "--compatibility", "prometheus2", file])
                if status == 0 or (judged_by_tolerance and tolerant_pass(instants, output)):
                    counts["pass"] += 1
                elif promtool_can_answer_ours(args.promtool, ev, instants, output, file):
                    counts["pass"] += 1
                    counts["varies"] = counts.get("varies", 0) + 1
                else:
                    counts["fail"] += 1
                    failures.append(f"{where}: {ev.expr}\n{indent(output)}")
            else:
                counts["cases"] += 1
                status, output = run([args.exporter, "test-rules", file])
                if status == 0:
                    counts["pass"] += 1
                    continue
                if tolerant_pass(instants, output):
                    counts["pass"] += 1
                    continue
                counts["fail"] += 1
                failures.append(f"{where}: {ev.expr}\n{indent(output)}")
    for line in failures if args.verbose else [f.split("\n")[0] for f in failures]:
        print("FAIL", line)
    for line in unknown_all:
        print("not understood:", line)
    print(f"mode {args.mode}: {counts['pass']} of {counts['cases']} converted cases pass, {counts['fail']} fail"
          + (f"; {counts['varies']} match one of promtool's run-to-run answers" if counts.get("varies") else "")
          + (f"; {counts['tolerance']} judged within 1e-6" if counts.get("tolerance") else "")
          + (f"; {counts['reports']} (NaN or eval_fail) compared by their reports" if counts.get("reports") else ""))
    for reason, count in sorted(skipped.items()):
        print(f"  not converted: {count} ({reason})")
    print(f"converted files in {workdir}")
    return 0 if counts["fail"] == 0 else 1


def promtool_can_answer_ours(promtool: str, ev: Eval, instants, output: str, file: str, tries: int = 12) -> bool:
    """Whether promtool gives our exact answer in one of a dozen runs.

    promtool 2.42 loads a test's series in Go map order, so the order in which `sum`/`avg` meet them, and with it
    the last bits of a floating-point sum, changes from run to run. Our answer counts as promtool's when promtool
    itself produces it.
    """
    reports = parse_failures(output)
    if not reports or "err:" in output:
        return False
    ours = []
    for t, samples in instants:
        report = reports.get(go_duration(t))
        ours.append((t, samples if report is None else [(labels, go_text(v)) for labels, v in report[1]]))
    if any(math.isnan(go_parse_float(v)) for _, samples in ours for _, v in samples):
        return False
    probe = file + ".ours.yml"
    with open(probe, "w", encoding="utf-8") as out:
        out.write(unit_test(ev, ours))
    try:
        return any(run([promtool, "test", "rules", probe])[0] == 0 for _ in range(tries))
    finally:
        os.remove(probe)


SENTINEL = '{promql_testdata_converter="no answer has this"}'


def report_body(output: str) -> str:
    """A unit-test report without its file names: what the two tools must agree on."""
    lines = [line for line in output.strip().split("\n") if not line.startswith("Unit Testing:")]
    return "\n".join(line.rstrip() for line in lines if line.strip())


def go_text(value: float) -> str:
    if math.isinf(value):
        return "Inf" if value > 0 else "-Inf"
    return repr(value)


def indent(text: str) -> str:
    return "\n".join("    " + line for line in text.strip().split("\n")[-12:])


if __name__ == "__main__":
    sys.exit(main())
