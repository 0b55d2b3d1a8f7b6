"""Chart geometry for the reports: bar lengths, histogram buckets, the score gauge (pure)."""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

BUCKET_WIDTH = 10
BUCKET_COUNT = 10

# Bar chart layout in SVG user units; the SVG scales to its container through its viewBox.
CHART_WIDTH = 1000
LABEL_WIDTH = 250
TRACK_X = LABEL_WIDTH + 10
TRACK_WIDTH = 560
VALUE_X = TRACK_X + TRACK_WIDTH + 14
ROW_HEIGHT = 30
BAR_HEIGHT = 16
HEADING_HEIGHT = 34
LABEL_CHARS = 34

# Histogram layout.
HIST_WIDTH = 1000
HIST_HEIGHT = 230
HIST_LEFT = 44
HIST_RIGHT = 12
HIST_TOP = 22
HIST_BOTTOM = 44

GAUGE_RADIUS = 52.0


def tone(score: float) -> str:
    """Name the colour band of a 0-100 score: good (80 and up), fair (50 and up) or poor."""
    if score >= 80:
        return "good"
    if score >= 50:
        return "fair"
    return "poor"


def clip(text: str, limit: int = LABEL_CHARS) -> str:
    """Shorten ``text`` to ``limit`` characters, marking the cut with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


@dataclass(frozen=True)
class Bar:
    """One horizontal bar: its label, value (0-100), the text beside it and its geometry."""

    label: str
    full_label: str
    percent: float
    detail: str
    y: float
    width: float
    tone: str


@dataclass(frozen=True)
class Heading:
    """A group title inside a bar chart (one challenge of an assessment)."""

    label: str
    y: float


@dataclass(frozen=True)
class BarChart:
    """Bars, optional group headings and the chart's total height."""

    bars: tuple[Bar, ...]
    headings: tuple[Heading, ...]
    height: float
    width: float = CHART_WIDTH
    track_x: float = TRACK_X
    track_width: float = TRACK_WIDTH
    value_x: float = VALUE_X
    bar_height: float = BAR_HEIGHT


BarSpec = tuple[str, float, str]  # label, percent 0-100, detail text


def bar_chart(groups: Sequence[tuple[str, Sequence[BarSpec]]]) -> BarChart:
    """Lay out grouped horizontal bars; a group titled "" gets no heading row."""
    bars: list[Bar] = []
    headings: list[Heading] = []
    y = 4.0
    for title, specs in groups:
        if title:
            headings.append(Heading(clip(title, 80), y + HEADING_HEIGHT - 12))
            y += HEADING_HEIGHT
        for label, percent, detail in specs:
            value = max(0.0, min(100.0, float(percent)))
            bars.append(
                Bar(
                    label=clip(label),
                    full_label=label,
                    percent=value,
                    detail=detail,
                    y=y + (ROW_HEIGHT - BAR_HEIGHT) / 2,
                    width=round(TRACK_WIDTH * value / 100, 2),
                    tone=tone(value),
                )
            )
            y += ROW_HEIGHT
    return BarChart(tuple(bars), tuple(headings), height=y + 4)


@dataclass(frozen=True)
class Bucket:
    """One histogram column: the scores it holds, how many, and its geometry."""

    label: str
    low: int
    high: int
    count: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Histogram:
    """Ten-point score buckets laid out as columns, with the y-axis ticks."""

    buckets: tuple[Bucket, ...]
    ticks: tuple[tuple[int, float], ...]
    width: float = HIST_WIDTH
    height: float = HIST_HEIGHT
    left: float = HIST_LEFT
    right: float = HIST_WIDTH - HIST_RIGHT
    top: float = HIST_TOP
    baseline: float = HIST_HEIGHT - HIST_BOTTOM


def bucket_counts(scores: Iterable[float]) -> list[int]:
    """Count scores per ten-point bucket: [0, 10), [10, 20) ... [90, 100] (100 in the last)."""
    counts = [0] * BUCKET_COUNT
    for score in scores:
        index = int(max(0.0, min(100.0, float(score))) // BUCKET_WIDTH)
        counts[min(index, BUCKET_COUNT - 1)] += 1
    return counts


def _ticks(top: int) -> list[int]:
    """Pick at most six whole-number ticks from 0 to at least ``top``."""
    step = max(1, math.ceil(top / 5))
    return list(range(0, top + step, step)) if top else [0, 1]


def histogram(scores: Iterable[float]) -> Histogram:
    """Lay out a histogram of 0-100 scores in ten-point buckets."""
    counts = bucket_counts(scores)
    ticks = _ticks(max(counts))
    scale_top = ticks[-1]
    plot_height = HIST_HEIGHT - HIST_TOP - HIST_BOTTOM
    baseline = HIST_HEIGHT - HIST_BOTTOM
    slot = (HIST_WIDTH - HIST_LEFT - HIST_RIGHT) / BUCKET_COUNT
    buckets = []
    for i, count in enumerate(counts):
        low = i * BUCKET_WIDTH
        high = low + BUCKET_WIDTH - 1 if i < BUCKET_COUNT - 1 else 100
        height = round(plot_height * count / scale_top, 2)
        buckets.append(
            Bucket(
                label=f"{low}–{high}",
                low=low,
                high=high,
                count=count,
                x=round(HIST_LEFT + i * slot + 4, 2),
                y=round(baseline - height, 2),
                width=round(slot - 8, 2),
                height=height,
            )
        )
    tick_rows = tuple((t, round(baseline - plot_height * t / scale_top, 2)) for t in ticks)
    return Histogram(tuple(buckets), tick_rows)


@dataclass(frozen=True)
class Gauge:
    """A ring showing a 0-100 score: the arc's dash length and the ring's circumference."""

    percent: float
    radius: float
    circumference: float
    dash: float
    tone: str


def gauge(score: float, radius: float = GAUGE_RADIUS) -> Gauge:
    """Compute the arc of a score ring."""
    value = max(0.0, min(100.0, float(score)))
    circumference = round(2 * math.pi * radius, 3)
    return Gauge(value, radius, circumference, round(circumference * value / 100, 3), tone(value))


@dataclass(frozen=True)
class Summary:
    """Count, mean, median, lowest and highest of a set of scores."""

    count: int
    mean: float
    median: float
    low: float
    high: float


def summarize(scores: Sequence[float]) -> Summary:
    """Summarise scores; an empty set gives zeros."""
    if not scores:
        return Summary(0, 0.0, 0.0, 0.0, 0.0)
    return Summary(
        count=len(scores),
        mean=round(statistics.fmean(scores), 2),
        median=round(statistics.median(scores), 2),
        low=min(scores),
        high=max(scores),
    )
