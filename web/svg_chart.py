"""Charts as SVG strings, drawn on the server: no JavaScript, no CDN, no library.

Pure functions of the numbers. Every piece of text is escaped, so a label taken from
data cannot break out of the SVG; colours are presentation attributes (the pages'
Content-Security-Policy forbids inline styles).
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

PALETTE = ("#1d4f86", "#1e5e32", "#6a1b7a", "#9a6a00", "#5b6673", "#a8321f")
WIDTH, HEIGHT = 720, 240
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 12, 44


def _text(x: float, y: float, text: str, anchor: str = "middle", size: int = 11) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
        f'fill="#5b6673">{escape(text)}</text>'
    )


def _nice_max(value: float) -> float:
    """A round number at or above the largest value, for the top of the axis."""
    if value <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        top = step * magnitude
        if top >= value:
            return float(top)
    return float(10 * magnitude)


def _frame(title: str, top: float, unit: str, categories: Sequence[str]) -> list[str]:
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'class="chart" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    for i in range(5):
        value = top * i / 4
        y = TOP + plot_h - plot_h * i / 4
        parts.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" '
            f'stroke="#d9dee4" stroke-width="1"/>'
        )
        parts.append(_text(LEFT - 4, y + 4, f"{value:g}{unit}", anchor="end"))
    every = max(1, len(categories) // 8)
    slot = plot_w / max(1, len(categories))
    for i, name in enumerate(categories):
        if i % every == 0:
            parts.append(_text(LEFT + slot * (i + 0.5), HEIGHT - BOTTOM + 14, name))
    return parts


def _legend(names: Sequence[str]) -> list[str]:
    parts, x = [], LEFT
    for i, name in enumerate(names):
        colour = PALETTE[i % len(PALETTE)]
        parts.append(f'<rect x="{x}" y="{HEIGHT - 16}" width="10" height="10" fill="{colour}"/>')
        parts.append(_text(x + 14, HEIGHT - 7, name, anchor="start"))
        x += 24 + 7 * len(name)
    return parts


def stacked_bars(
    categories: Sequence[str], series: Sequence[tuple[str, Sequence[float]]], title: str
) -> str:
    """One bar per category, a segment per series, stacked bottom-up in series order."""
    totals = [sum(values[i] for _, values in series) for i in range(len(categories))]
    top = _nice_max(max(totals, default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(1, len(categories))
    parts = _frame(title, top, "", categories)
    for i, category in enumerate(categories):
        base = TOP + plot_h
        for s, (name, values) in enumerate(series):
            value = values[i]
            if value <= 0:
                continue
            h = plot_h * value / top
            base -= h
            parts.append(
                f'<rect x="{LEFT + slot * i + slot * 0.15:.1f}" y="{base:.1f}" '
                f'width="{slot * 0.7:.1f}" height="{h:.1f}" fill="{PALETTE[s % len(PALETTE)]}">'
                f"<title>{escape(f'{category} {name}: {value:g}')}</title></rect>"
            )
    parts += _legend([name for name, _ in series])
    parts.append("</svg>")
    return "".join(parts)


def line_chart(
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    title: str,
    unit: str = "",
) -> str:
    """A line per series, with a dot per known value (None leaves a gap)."""
    known = [v for _, values in series for v in values if v is not None]
    top = _nice_max(max(known, default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(1, len(categories))
    parts = _frame(title, top, unit, categories)
    for s, (name, values) in enumerate(series):
        colour = PALETTE[s % len(PALETTE)]
        points: list[str] = []
        for i, value in enumerate(values):
            if value is None:
                if len(points) > 1:
                    parts.append(_polyline(points, colour))
                points = []
                continue
            x, y = LEFT + slot * (i + 0.5), TOP + plot_h - plot_h * value / top
            points.append(f"{x:.1f},{y:.1f}")
            label = f"{categories[i]} {name}: {value:g}{unit}"
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}">'
                f"<title>{escape(label)}</title></circle>"
            )
        if len(points) > 1:
            parts.append(_polyline(points, colour))
    parts += _legend([name for name, _ in series])
    parts.append("</svg>")
    return "".join(parts)


def _polyline(points: list[str], colour: str) -> str:
    return f'<polyline points="{" ".join(points)}" fill="none" stroke="{colour}" stroke-width="2"/>'
