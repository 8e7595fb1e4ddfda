"""``tryon doctor``: report versions, device, optional accelerators and weight checksums.

Exit code 0 when everything required works (warnings about optional parts are fine), 1 when
something required is broken.
"""

from __future__ import annotations

import argparse
import json

from tryon.doctor import DoctorReport, run_doctor

_MARK = {"ok": "ok  ", "warn": "warn", "fail": "FAIL"}


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "doctor",
        help="check the installation (versions, device, xformers, SAM, weights)",
        description=(
            "Check this installation: package versions, the device tryon would use, whether "
            "xformers and SAM are usable, the offline text encoder, and the checksums of "
            "every folder under weights/. Exits 1 if something required is broken."
        ),
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument(
        "--weights",
        metavar="DIR",
        default=None,
        help="folder holding weight folders (default: ./weights, else the checkout's weights/)",
    )
    parser.set_defaults(func=run)


def format_report(report: DoctorReport) -> str:
    """The report as aligned plain-text lines."""
    lines = [
        f"tryon {report.tryon}  python {report.python}  {report.platform}",
        f"device: {report.device} ({report.device_name}), {report.threads} threads",
        "",
    ]
    width = max(len(c.name) for c in report.checks)
    for check in report.checks:
        lines.append(f"  [{_MARK[check.status]}] {check.name:<{width}}  {check.detail}")
    lines.append("")
    failures, warnings = report.failures, report.warnings
    if failures:
        names = ", ".join(c.name for c in failures)
        lines.append(f"BROKEN: {len(failures)} required check(s) failed: {names}")
    else:
        extra = f" ({len(warnings)} optional warning(s))" if warnings else ""
        lines.append(f"OK: tryon is ready{extra}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    report = run_doctor(weights_root=args.weights)
    if args.json:
        print(json.dumps(report.to_dict(), indent=2))
    else:
        print(format_report(report))
    return 0 if report.ok else 1
