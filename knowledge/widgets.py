"""Form widgets of the knowledge app."""
from django import forms


class NodePicker(forms.CheckboxSelectMultiple):
    """Dimension nodes as checkboxes grouped by dimension, each labelled with its path."""

    template_name = "knowledge/widgets/node_picker.html"

    def optgroups(self, name, value, attrs=None):
        groups = {}
        for _group, options, index in super().optgroups(name, value, attrs):
            for option in options:
                dimension, _sep, path = str(option["label"]).partition(" / ")
                option["label"] = path or dimension
                groups.setdefault(dimension, []).append(option)
        return [(dimension, options, index) for index, (dimension, options) in enumerate(groups.items())]
