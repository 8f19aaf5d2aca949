"""What adopt_database prints: the refusal, the plan, and what it did."""

from .inspect import Inspection


def refusal(inspection: Inspection, where: str) -> list[str]:
    lines = [f"{where} is not a database adopt_database --source {inspection.source} knows:"]
    if inspection.differences:
        lines.append(f"{len(inspection.differences)} schema difference(s):")
        lines += [f"  - {line}" for line in inspection.differences]
    if inspection.bad_rows:
        lines.append(f"{len(inspection.bad_rows)} row(s) that cannot be converted:")
        lines += [f"  - {line}" for line in inspection.bad_rows]
    lines.append("Nothing was changed. Fix these (or the expectation), then run it again.")
    return lines


def plan(steps: list[str], where: str, source: str, *, backup: bool) -> list[str]:
    lines = [f"Plan for adopting {where} (--source {source}):"]
    lines.append(
        "  1. back up the database (dbbackup, label pre-adopt)"
        if backup
        else "  1. no backup (--skip-backup)"
    )
    lines.append("  2. in one transaction:")
    lines += [f"     - {step}" for step in steps]
    lines.append("  3. then run `python manage.py migrate` and `python manage.py check_drift`")
    return lines


def done(result: dict, inspection: Inspection) -> list[str]:
    lines = ["Done, in one transaction:"]
    lines.append(f"  migrations applied and recorded: {len(result['migrations'])}")
    lines += [f"    {name}" for name in result["migrations"]]
    lines.append("  rows:")
    lines += [f"    {what}: {count}" for what, count in result["rows"].items()]
    for what, count in result.get("changes", {}).items():
        lines.append(f"  {what}: {count}")
    if result.get("dropped"):
        lines.append("  dropped: " + ", ".join(result["dropped"]))
    lines.append("Report:")
    if inspection.left_alone:
        lines.append("  tables left alone (not modelled here; check_drift skips them):")
        lines += [
            f"    {table}: {rows} rows" for table, rows in sorted(inspection.left_alone.items())
        ]
    if inspection.other_functions:
        lines.append("  functions left alone: " + ", ".join(inspection.other_functions))
    if inspection.functions:
        lines.append(
            "  dropped functions; to restore one, run its definition below with psql "
            "(they wrote to the old tables, so adapt them first):"
        )
        for name, definition in inspection.functions.items():
            lines.append(f"    -- {name}")
            lines += [f"    {line}" for line in f"{definition.strip()};".splitlines()]
    lines.append("Next: python manage.py migrate, then python manage.py check_drift.")
    return lines
