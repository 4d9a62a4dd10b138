"""ECharts options for the dashboards, built here so templates only hand them to the chart
script (``stats/charts.js``)."""

PALETTE = ["#2563eb", "#16a34a", "#f59e0b", "#dc2626", "#7c3aed", "#0891b2", "#db2777", "#65a30d"]


def _base(title):
    return {"color": PALETTE, "title": {"text": str(title), "left": "center", "textStyle": {"fontSize": 14}},
            "tooltip": {}, "grid": {"left": 48, "right": 24, "top": 56, "bottom": 40, "containLabel": True}}


def line(title, x, series, area=False):
    """``series``: [(name, values)] over the categories ``x``."""
    option = _base(title)
    option.update({
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 24, "data": [str(name) for name, _values in series]},
        "xAxis": {"type": "category", "data": [str(v) for v in x], "boundaryGap": False},
        "yAxis": {"type": "value", "minInterval": 1},
        "series": [{"name": str(name), "type": "line", "data": list(values), "smooth": True, "showSymbol": len(x) <= 31,
                    **({"areaStyle": {"opacity": 0.15}} if area else {})} for name, values in series],
    })
    return option


def bar(title, x, series, horizontal=False, stacked=False):
    option = _base(title)
    categories = {"type": "category", "data": [str(v) for v in x]}
    values = {"type": "value", "minInterval": 1}
    option.update({
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"top": 24, "data": [str(name) for name, _values in series]},
        "xAxis": values if horizontal else categories,
        "yAxis": {**categories, "inverse": True} if horizontal else values,
        "series": [{"name": str(name), "type": "bar", "data": list(data), **({"stack": "all"} if stacked else {})}
                   for name, data in series],
    })
    return option


def pie(title, slices):
    """``slices``: [(name, value)]."""
    option = _base(title)
    option.update({
        "tooltip": {"trigger": "item", "formatter": "{b}: {c} ({d}%)"},
        "legend": {"bottom": 0, "type": "scroll"},
        "series": [{"type": "pie", "radius": ["35%", "65%"], "center": ["50%", "52%"],
                    "data": [{"name": str(name), "value": value} for name, value in slices]}],
    })
    return option


def heatmap(title, x, y, values):
    """``values``: {(x index, y index): value}."""
    option = _base(title)
    data = [[xi, yi, v] for (xi, yi), v in sorted(values.items())]
    option.update({
        "tooltip": {"position": "top"},
        "grid": {"left": 48, "right": 24, "top": 40, "bottom": 64, "containLabel": True},
        "xAxis": {"type": "category", "data": [str(v) for v in x], "splitArea": {"show": True}},
        "yAxis": {"type": "category", "data": [str(v) for v in y], "splitArea": {"show": True}},
        "visualMap": {"min": 0, "max": max([v for v in values.values()] or [1]), "calculable": True,
                      "orient": "horizontal", "left": "center", "bottom": 0},
        "series": [{"type": "heatmap", "data": data, "label": {"show": len(x) * len(y) <= 120}}],
    })
    return option
