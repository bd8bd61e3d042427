"""`{% sparkline values %}`: a small inline SVG line chart, drawn server-side (no chart library).

    {% load charts %}
    {% sparkline values labels=labels height=48 label="Units on hand" %}

`values` are numbers, oldest first; `labels` (same length, optional) name each point in its
hover title. The y axis starts at zero unless a value is negative, so a flat line near the top
means "steady and high", not "changing".
"""

from django import template

register = template.Library()

WIDTH = 300  # viewBox units; the SVG stretches to its container's width


@register.inclusion_tag("partials/sparkline.html")
def sparkline(values, labels=None, height=48, label=""):
    values = [float(v) for v in values or []]
    labels = list(labels or [])
    height = int(height)
    if not values:
        return {"empty": True, "height": height, "label": label}
    low = min(0.0, min(values))
    high = max(values)
    span = (high - low) or 1.0
    pad = 3.0  # keep the stroke and the end dot inside the box
    inner = height - 2 * pad
    step = WIDTH / (len(values) - 1) if len(values) > 1 else 0.0

    def x(i: int) -> float:
        return round(i * step if len(values) > 1 else WIDTH / 2, 2)

    def y(v: float) -> float:
        return round(pad + inner - (v - low) / span * inner, 2)

    coords = [(x(i), y(v)) for i, v in enumerate(values)]
    line = "M" + " L".join(f"{cx},{cy}" for cx, cy in coords)
    base = y(max(low, 0.0))
    area = f"{line} L{coords[-1][0]},{base} L{coords[0][0]},{base} Z"
    hit_width = round(WIDTH / len(values), 2)
    hits = []
    for i, v in enumerate(values):
        name = f"{labels[i]}: " if i < len(labels) else ""
        hits.append(
            {
                "x": round(max(0.0, x(i) - hit_width / 2), 2),
                "width": hit_width,
                "title": f"{name}{_number(v)}",
            }
        )
    first = f"{labels[0]} " if labels else ""
    last = f"{labels[-1]} " if labels else ""
    summary = (
        f"{label or 'Trend'}: {first}{_number(values[0])}, lowest {_number(min(values))}, "
        f"highest {_number(high)}, {last}{_number(values[-1])}"
    )
    return {
        "empty": False,
        "width": WIDTH,
        "height": height,
        "line": line,
        "area": area,
        "end": coords[-1],
        "hits": hits,
        "summary": summary,
    }


def _number(value: float) -> str:
    return f"{int(value):,}" if float(value).is_integer() else f"{value:,.1f}"
