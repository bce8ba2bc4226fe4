"""What the gate tells people: the verdict table in the terminal, `gate.json` for machines and one
self-contained `gate.html` (inline CSS, no scripts) to attach to a pull request.

Values, differences and intervals are formatted as the sweep report formats them
(`mptwin.results.report.kpis`), so a KPI reads the same everywhere.
"""

from __future__ import annotations

import json
import math
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
from omegaconf import OmegaConf

from mptwin.experiments.gate.sequential import (
    BREACHED,
    GO,
    GOAL,
    HOLDS,
    MET,
    NO_GO,
    NOT_YET,
    WORSE,
    Look,
    Verdict,
    budget_to_decide,
    look_to_decide,
)
from mptwin.results.report.html import CSS, _table, esc
from mptwin.results.report.kpis import format_diff, format_interval, format_value

if TYPE_CHECKING:
    from mptwin.experiments.gate.result import GateResult

METHOD = (
    "Both arms run on the same seeds (common random numbers) and each KPI is judged on the "
    "paired differences candidate - current. The looks are planned before any run, one after "
    "each batch up to the gate file's seeds.max (information fraction t = n / seeds.max); an "
    "O'Brien-Fleming-type alpha-spending function (Lan-DeMets), alpha(t) = 2 - 2 Phi(z_(1-alpha/2)"
    " / sqrt t), fixes how much of alpha each look spends, and exact group-sequential boundaries "
    "(recursive numerical integration, as gsDesign) spend exactly that. Each look's boundary is "
    "turned into its nominal one-sided level and tested with a paired t bound on n - 1 degrees "
    "of freedom, corrected for the skewness of the differences (Hall's transformation, the "
    "skewness taken one standard error toward the side that would make the bound wrong). A run "
    "can stop short of seeds.max (seeds.spend, --seeds); a later run with more continues the "
    "same plan. The bounds shown are each one-sided at the level of the look that decided the "
    "row (or the last look taken). GO needs every test to pass on every scenario "
    "(intersection-union), so a false GO is at most alpha with no multiplicity correction: the "
    "gate says GO on a change that does not help at most 1 - confidence of the time (by "
    "simulation: for normal and mildly skewed differences)."
)
GOOD, BAD = (MET, HOLDS), (WORSE, BREACHED)


def rule_text(v: Verdict) -> str:
    """The rule a row is judged by: which way is better and, for a guardrail, the change it
    tolerates in the KPI's units."""
    c = v.check
    side = "higher" if c.better > 0 else "lower"
    if c.role == GOAL:
        return f"goal: {side}"
    limit = "n/a" if v.allowed is None else format_diff(c.kpi, -c.better * v.allowed)
    share = f" ({100 * c.max_loss:g}%)" if c.relative else ""
    return f"{side}, tolerate {limit}{share}"


def rows(result: GateResult) -> list[dict]:
    """One plain row per verdict, for the terminal and the page."""
    out = []
    for v in result.outcome.verdicts:
        k, b = v.check.kpi, v.bound
        out.append(
            {
                "scenario": v.scenario,
                "KPI": k,
                "rule": rule_text(v),
                "current": format_value(k, v.current_mean),
                "candidate": format_value(k, v.candidate_mean),
                "difference": format_diff(k, b.mean),
                "adjusted bounds": format_interval(k, b.lo, b.hi),
                "level": f"{b.level:.2g}",
                "verdict": v.verdict,
                "n": b.n,
            }
        )
    return out


def look_line(
    look: Look,
    looks: int,
    ran: list[str],
    verdicts: list[Verdict],
    simulated: int,
    reused: int,
    first: int,
) -> str:
    """One progress line after a look."""
    decided = sum(v.decided for v in verdicts)
    where = ", ".join(ran) if ran else "nothing left to run"
    return (
        f"look {look.index}/{looks}: seeds {first}-{first + look.n - 1} on {where}: "
        f"{simulated} run(s) simulated, {reused} reused; {decided} of {len(verdicts)} "
        f"verdicts decided (one-sided level {look.level:.2g})"
    )


def _plan_left(result: GateResult) -> list[Look]:
    """The plan's looks after the last one taken (none when the plan is spent)."""
    return [lk for lk in result.looks if lk.n > result.outcome.looks[-1].n]


def undecided_notes(result: GateResult) -> list[str]:
    """For rows still open: roughly at which later look of the plan they would be decided, or
    what a new plan would need once this one is spent."""
    notes, left = [], _plan_left(result)
    spec = result.spec
    for v in result.outcome.verdicts:
        if v.decided:
            continue
        diff = format_diff(v.check.kpi, v.bound.mean)
        at = look_to_decide(v, left)
        if at is not None:
            why = (
                f"the plan's look at {at} paired seeds would decide it if the difference "
                f"({diff}) and its spread stay as they are"
            )
            why += (
                f": run again with --seeds {at} (or seeds.spend: {at}), seeds.max unchanged"
                if result.decision == NOT_YET
                else " (the gate decided first)"
            )
        else:
            need = budget_to_decide(v, spec.alpha, spec.seeds.batch)
            rest = "no look of this plan would" if left else "this plan is spent"
            why = (
                f"{rest}; a new gate on fresh seeds planned for about {need} paired seeds "
                f"would, if the difference ({diff}) and its spread stay as they are"
                if need
                else f"{rest}, and no plan up to 1,000 seeds would at a difference of {diff}"
            )
        notes.append(f"{v.check.kpi} on {v.scenario}: {why}")
    return notes


def decision_lines(result: GateResult) -> list[str]:
    o, spec = result.outcome, result.spec
    last = o.looks[-1]
    return [
        f"Decision: {o.decision} (exit {result.exit_code}): {o.reason}",
        f"  after {last.n} paired seeds (look {last.index} of {len(result.looks)} planned up to "
        f"seeds.max {spec.seeds.max}, this run up to {result.spend}); {result.simulated} run(s) "
        f"simulated, {result.reused} reused, {result.seconds:.1f} s",
        f"  a false GO at most {spec.alpha:.3g} of the time (confidence {spec.confidence:g}; "
        "O'Brien-Fleming-type spending, exact boundaries, skew-corrected paired t bounds)",
    ]


def text(result: GateResult) -> str:
    """The terminal summary: the table, open rows, the decision."""
    table = pd.DataFrame(rows(result)).to_string(index=False)
    notes = undecided_notes(result)
    lines = [
        f"Gate {result.spec.name}: {' '.join(result.spec.candidate)} against "
        f"{' '.join(result.spec.current) or 'the defaults'}",
        "",
        table,
        "",
    ]
    if notes:
        lines += ["Undecided:", *(f"  {n}" for n in notes), ""]
    return "\n".join(lines + decision_lines(result))


def _num(x):
    return None if x is None or (isinstance(x, float) and not math.isfinite(x)) else x


def as_json(result: GateResult) -> dict:
    spec, o = result.spec, result.outcome
    return {
        "gate": spec.name,
        "decision": o.decision,
        "exit_code": result.exit_code,
        "reason": o.reason,
        "alpha": spec.alpha,
        "spend": result.spend,
        "spec": OmegaConf.to_container(OmegaConf.structured(spec), enum_to_str=True),
        "looks_declared": [vars(lk) for lk in result.looks],
        "looks_taken": [
            {**vars(lk), "scenarios_run": ran} for lk, ran in zip(o.looks, o.ran, strict=True)
        ],
        "verdicts": [
            {
                "scenario": v.scenario,
                "kpi": v.check.kpi,
                "role": v.check.role,
                "better": "higher" if v.check.better > 0 else "lower",
                "max_loss": v.check.max_loss,
                "relative": v.check.relative,
                "allowed": _num(v.allowed),
                "look": v.look,
                "n": v.bound.n,
                "current_mean": _num(v.current_mean),
                "candidate_mean": _num(v.candidate_mean),
                "difference": _num(v.bound.mean),
                "sd": _num(v.bound.sd),
                "level": v.bound.level,
                "lo": _num(v.bound.lo),
                "hi": _num(v.bound.hi),
                "skew": _num(v.bound.skew),
                "verdict": v.verdict,
                "continue_to": look_to_decide(v, _plan_left(result)),
                "budget_to_decide": budget_to_decide(v, spec.alpha, spec.seeds.batch),
            }
            for v in o.verdicts
        ],
        "runs": {
            "folder": str(result.out / "runs"),
            "simulated": result.simulated,
            "reused": result.reused,
        },
        "seconds": round(result.seconds, 2),
        "method": METHOD,
    }


def page(result: GateResult) -> str:
    """gate.html: one self-contained page."""
    spec, o = result.spec, result.outcome
    colour = {GO: "#1a7f37", NO_GO: "#c62828"}.get(o.decision, "#8a6d00")
    table_rows = rows(result)
    header = list(table_rows[0])
    classes = [
        "better" if r["verdict"] in GOOD else "worse" if r["verdict"] in BAD else ""
        for r in table_rows
    ]
    verdicts = _table(header, [[str(r[h]) for h in header] for r in table_rows], "", classes)
    settings = _table(
        None,
        [
            ["gate", spec.name],
            ["description", spec.description or "-"],
            ["scenarios", ", ".join(spec.scenarios)],
            ["current", " ".join(spec.current) or "(the defaults)"],
            ["candidate", " ".join(spec.candidate) or "(the defaults)"],
            ["confidence", f"{spec.confidence:g}: a false GO at most {spec.alpha:.3g} of the time"],
            [
                "seeds",
                f"first {spec.seeds.first}, planned up to {spec.seeds.max} in batches of "
                f"{spec.seeds.batch}; this run up to {result.spend}",
            ],
            [
                "runs",
                f"{result.simulated} simulated, {result.reused} reused, in {result.out / 'runs'}",
            ],
            ["wall time", f"{result.seconds:.1f} s"],
        ],
        'class="meta"',
    )
    looks = _table(
        [
            "look",
            "paired seeds",
            "information",
            "alpha spent",
            "boundary z",
            "level",
            "scenarios run",
        ],
        [
            [
                str(lk.index),
                str(lk.n),
                f"{lk.information:.3f}",
                f"{lk.spent:.3g}",
                f"{lk.z:.3f}",
                f"{lk.level:.3g}",
                ", ".join(ran) if ran else "-",
            ]
            for lk, ran in zip(o.looks, o.ran, strict=True)
        ],
    )
    notes = "".join(f"<li>{esc(n)}</li>" for n in undecided_notes(result))
    notes_html = f"<h2>Undecided</h2><ul>{notes}</ul>" if notes else ""
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>Gate {esc(spec.name)}</title>"
        f"<style>{CSS}</style></head><body><h1>Gate {esc(spec.name)}</h1>"
        f"<p style='font-size:1.4em;color:{colour};font-weight:700'>{esc(o.decision)} "
        f"(exit {result.exit_code})</p><p>{esc(o.reason)}</p>{settings}"
        f"<h2>Verdicts</h2>{verdicts}{notes_html}<h2>Looks taken</h2>{looks}"
        f"<h2>Method</h2><p class='note'>{esc(METHOD)}</p>"
        f"<p>Written {datetime.now():%Y-%m-%d %H:%M} by mptwin-gate.</p></body></html>\n"
    )


def write_report(result: GateResult) -> tuple[Path, Path]:
    """gate.json and gate.html in the gate's folder."""
    result.out.mkdir(parents=True, exist_ok=True)
    js, html = result.out / "gate.json", result.out / "gate.html"
    js.write_text(json.dumps(as_json(result), indent=2, allow_nan=False) + "\n")
    html.write_text(page(result))
    return js, html
