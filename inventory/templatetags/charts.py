"""`{% sparkline values %}`: a small inline SVG line chart, drawn server-side (no chart library).

    {% load charts %}
    {% sparkline values labels=labels height=48 label="Units on hand" %}

`values` are numbers, oldest first; `labels` (same length, optional) name each point in its
hover title. The y axis starts at zero unless a value is negative, so a flat line near the top
means "steady and high", not "changing".

`{% bars values %}` draws the same kind of series as bars (per week, per month, per class).
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


@register.inclusion_tag("partials/bars.html")
def bars(values, labels=None, height=64, label="", unit=""):
    """`{% bars values labels=labels height=64 label="Accuracy" unit="%" %}`: one bar per value,
    oldest first, drawn as inline SVG. None is a period without data (no bar, said in its
    title); a negative value hangs below the zero line (class "neg")."""
    values = [None if v is None else float(v) for v in values or []]
    labels = list(labels or [])
    height = int(height)
    known = [v for v in values if v is not None]
    if not known:
        return {"empty": True, "height": height, "label": label}
    low, high = min(0.0, min(known)), max(0.0, max(known))
    span = (high - low) or 1.0
    pad = 2.0
    inner = height - 2 * pad

    def y(v: float) -> float:
        return round(pad + inner - (v - low) / span * inner, 2)

    zero = y(0.0)
    slot = WIDTH / len(values)
    gap = round(min(slot * 0.2, 6.0), 2)
    items = []
    for i, v in enumerate(values):
        name = f"{labels[i]}: " if i < len(labels) else ""
        item = {"x": round(i * slot + gap / 2, 2), "width": round(slot - gap, 2)}
        item["hit_x"], item["hit_width"] = round(i * slot, 2), round(slot, 2)
        if v is None:
            item.update(top=zero, height=0, neg=False, title=f"{name}no data")
        else:
            top, bottom = sorted((y(v), zero))
            item.update(top=top, height=round(max(bottom - top, 0.5), 2), neg=v < 0)
            item["title"] = f"{name}{_number(v)}{unit}"
        items.append(item)
    summary = f"{label or 'Bars'}: " + ", ".join(item["title"] for item in items)
    return {
        "empty": False,
        "width": WIDTH,
        "height": height,
        "zero": zero,
        "items": items,
        "summary": summary,
    }
