"""Geometry for the dashboard's charts, drawn as SVG by the templates (no JavaScript, no CDN).

The numbers come from the selectors; this module only turns them into coordinates.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from tasks.selectors import BACKLOG_COLUMNS

LABEL_WIDTH = 96
BAR_AREA = 520
ROW_HEIGHT = 24
BAR_HEIGHT = 16
TOP = 8


@dataclass
class Segment:
    column: str
    x: float
    width: float
    count: int


@dataclass
class BarRow:
    code: str
    y: float
    text_y: float
    total: int
    total_x: float
    segments: list[Segment] = field(default_factory=list)


def backlog_bars(rows: list[dict]) -> dict:
    """One stacked bar per agency, the four categories side by side, scaled to the largest total."""
    largest = max((row["total"] for row in rows), default=0) or 1
    scale = BAR_AREA / largest
    bars = []
    for index, row in enumerate(rows):
        y = TOP + index * ROW_HEIGHT
        x = float(LABEL_WIDTH)
        segments = []
        for column in BACKLOG_COLUMNS:
            width = row[column] * scale
            if row[column]:
                segments.append(
                    Segment(column=column, x=round(x, 1), width=round(width, 1), count=row[column])
                )
            x += width
        bars.append(
            BarRow(
                code=row["lead_agency__code"] or "—",
                y=y,
                text_y=y + BAR_HEIGHT - 3,
                total=row["total"],
                total_x=round(x + 6, 1),
                segments=segments,
            )
        )
    return {
        "bars": bars,
        "width": LABEL_WIDTH + BAR_AREA + 48,
        "height": TOP * 2 + max(len(rows), 1) * ROW_HEIGHT,
        "bar_height": BAR_HEIGHT,
        "label_x": LABEL_WIDTH - 8,
    }


def month_ends(as_of: dt.date, months: int = 12) -> list[dt.date]:
    """The last day of each of the ``months - 1`` months before ``as_of``, then ``as_of`` itself."""
    dates = [as_of]
    first = as_of.replace(day=1)
    for _ in range(months - 1):
        if first == dt.date.min:  # as of January of year 1: nothing earlier to show
            break
        last_of_previous = first - dt.timedelta(days=1)
        dates.append(last_of_previous)
        first = last_of_previous.replace(day=1)
    return sorted(dates)


TREND_WIDTH = 640
TREND_HEIGHT = 220
PAD_LEFT = 44
PAD_RIGHT = 16
PAD_TOP = 16
PAD_BOTTOM = 40


def trend_line(points: list[tuple[dt.date, int]]) -> dict:
    """A line of overdue counts over time, with a few horizontal gridlines."""
    largest = max((count for _, count in points), default=0)
    top = max(largest, 1)
    plot_w = TREND_WIDTH - PAD_LEFT - PAD_RIGHT
    plot_h = TREND_HEIGHT - PAD_TOP - PAD_BOTTOM
    step = plot_w / max(len(points) - 1, 1)
    dots = []
    for index, (day, count) in enumerate(points):
        x = PAD_LEFT + index * step
        y = PAD_TOP + plot_h - (count / top) * plot_h
        dots.append({"x": round(x, 1), "y": round(y, 1), "day": day, "count": count})
    ticks = sorted({0, top // 2, top}) if top > 1 else [0, 1]
    grid = [{"value": t, "y": round(PAD_TOP + plot_h - (t / top) * plot_h, 1)} for t in ticks]
    return {
        "width": TREND_WIDTH,
        "height": TREND_HEIGHT,
        "dots": dots,
        "polyline": " ".join(f"{d['x']},{d['y']}" for d in dots),
        "grid": grid,
        "x0": PAD_LEFT,
        "x1": TREND_WIDTH - PAD_RIGHT,
        "label_y": TREND_HEIGHT - PAD_BOTTOM + 18,
        "axis_label_x": PAD_LEFT - 6,
    }
