"""The daily report (疫情防控工作日报) of a night, built from the history store.

:func:`build_report` writes into ``out_dir`` (default ``config.paths.reports``):

* ``疫情防控工作日报_YYYYMMDD.xlsx``: the formatted, printable report workbook;
* ``疫情防控工作日报_YYYYMMDD.txt`` and ``.html``: the prose briefing in the county's own
  style, rendered from the Jinja2 templates ``briefing.txt.j2`` / ``briefing.html.j2``
  (see :mod:`toolkit.outputs.templating` for where they are looked up).

ID numbers and phones are masked in all of them; the master and the store keep them whole.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ...files import crash_point, write_text
from ...store import open_store
from ..templating import make_environment, render
from ..wording import fullwidth
from .data import Change, Problem, ReportData, gather, template_context
from .document import parse
from .workbook import write_workbook

if TYPE_CHECKING:
    from ...config.county import Config
    from ...store.protocol import Store
    from ..figures import NightFigures

__all__ = ["Change", "Problem", "ReportData", "ReportResult", "build_report", "render_report"]

REPORT_STEM = "疫情防控工作日报_{night:%Y%m%d}"
TEXT_TEMPLATE = "briefing.txt.j2"
HTML_TEMPLATE = "briefing.html.j2"


@dataclass
class ReportResult:
    night: dt.date
    workbook: Path
    briefing_text: Path
    briefing_html: Path
    text: str  # the plain-text briefing
    figures: NightFigures
    data: ReportData = field(repr=False)

    @property
    def paths(self) -> list[Path]:
        return [self.workbook, self.briefing_text, self.briefing_html]

    def to_dict(self) -> dict[str, Any]:
        n = self.figures
        t = n.total
        return {
            "date": self.night.isoformat(),
            "workbook": str(self.workbook),
            "briefing_text": str(self.briefing_text),
            "briefing_html": str(self.briefing_html),
            "expected": n.expected, "reported": n.reported, "on_time": n.on_time,
            "late": n.late, "missing": n.missing, "rejected": n.rejected,
            "townships": [{"township": x.township, "status": x.status} for x in n.townships],
            "total": {k: getattr(t, k) for k in (
                "grids", "households", "screened", "from_hubei", "under_management",
                "released", "new_arrivals", "checkpoints", "leaflets", "banners")},
            "problems": sum(1 for p in self.data.problems if p.severity == "error"),
            "text": self.text,
        }


def build_report(config: Config, night: dt.date, *, out_dir: Path | None = None,
                 store: Store | None = None, now: dt.datetime | None = None,
                 figures: NightFigures | None = None) -> ReportResult:
    """Build the night's report from the store (opened from the config unless given);
    ``figures`` the night's figures when just read from the same store (the merge's)."""
    own = store is None
    st = open_store(config) if store is None else store
    try:
        with st.snapshot():  # one state of the store, even while a merge re-runs the night
            data = gather(config, night, st, figures=figures)
    finally:
        if own:
            st.close()
    return render_report(config, data, out_dir=out_dir, now=now)


def render_report(config: Config, data: ReportData, *, out_dir: Path | None = None,
                  now: dt.datetime | None = None) -> ReportResult:
    """Write the workbook and the briefings for already gathered data. The templates are
    rendered first, so a broken template stops before anything is written."""
    night = data.night.date
    out = Path(out_dir) if out_dir is not None else config.paths.reports
    generated_at = now or dt.datetime.now()
    env = make_environment(config)
    context = template_context(config, data)
    text = fullwidth(render(env, TEXT_TEMPLATE, context))
    doc = parse(text)
    html = render(env, HTML_TEMPLATE, {**context, "doc": doc})
    stem = REPORT_STEM.format(night=night)
    out.mkdir(parents=True, exist_ok=True)
    workbook = write_workbook(config, data, out / f"{stem}.xlsx", generated_at=generated_at,
                              doc=doc)
    crash_point("report-workbook-written")
    text_path = write_text(out / f"{stem}.txt", text, bom=True, crlf=True)
    html_path = write_text(out / f"{stem}.html", html)
    return ReportResult(night, workbook, text_path, html_path, text, data.night, data)

