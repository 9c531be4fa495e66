"""A Report as a person reads it: the table of checks (check, verdict, one line of evidence), the first failing
check's explanation and fix, and what the client would see."""

from __future__ import annotations

from vaultlink.diagnose.report import Report, Result

SYMBOLS = {"pass": "ok", "fail": "FAIL", "warn": "warn", "not applicable": "n/a", "cannot decide": "?"}


def table(report: Report) -> list[str]:
    width = max(len(r.title) for r in report.results)
    lines = [f"{'CHECK':<{width}}  {'VERDICT':<7}  EVIDENCE"]
    lines += [f"{r.title:<{width}}  {SYMBOLS[str(r.verdict)]:<7}  {r.summary}" for r in report.results]
    return lines


def explanation(result: Result) -> list[str]:
    lines = [f"{result.title}: {result.verdict}", f"  {result.explanation or result.summary}"]
    if result.fix is not None:
        lines.append("  fix:")
        lines += [f"    {command}" for command in result.fix.commands]
        lines.append(f"  portal: {result.fix.portal}")
    return lines


def client(report: Report) -> list[str]:
    c = report.client
    answer = ", ".join([*c.aliases, *c.addresses]) or "no address"
    http = f"HTTP {c.status}" if c.status is not None else "no HTTP response"
    outcome = f"{http} {c.error}" if c.error else http
    return [f"what the client sees from {report.location}:",
            f"  dns:   {c.host} -> {c.rcode} {answer} (asked {c.resolver})",
            f"  lands: {c.landing}: {c.landing_reason}",
            f"  gets:  {outcome}"]


def render(report: Report) -> str:
    lines = [f"vault {report.vault} from {report.location}", "", *table(report), ""]
    first = report.first_failure
    if first is not None:
        lines += [*explanation(first), ""]
    else:
        lines += ["every check passes", ""]
    lines += client(report)
    return "\n".join(lines) + "\n"
