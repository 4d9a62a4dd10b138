"""What each position must know (the position knowledge map, KB-10)."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class PositionRequirement(models.Model):
    """One topic a position must (or should) know: a dimension node with everything below
    it, or one specific item."""

    class Level(models.TextChoices):
        MUST = "must", _("Must know")
        SHOULD = "should", _("Should know")

    position = models.ForeignKey("portal.Position", verbose_name=_("position"), on_delete=models.CASCADE,
                                 related_name="requirements")
    node = models.ForeignKey("knowledge.DimensionNode", verbose_name=_("dimension node"), null=True, blank=True,
                             on_delete=models.CASCADE, related_name="requirements")
    item_key = models.CharField(_("item"), max_length=100, blank=True)  # a search key: "knowledge.articlepage:12"
    level = models.CharField(_("level"), max_length=10, choices=Level.choices, default=Level.MUST)
    note = models.CharField(_("note"), max_length=255, blank=True)
    sort_order = models.IntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("position requirement")
        verbose_name_plural = _("position requirements")
        ordering = ["position", "sort_order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(node__isnull=False, item_key="") | models.Q(node__isnull=True) & ~models.Q(item_key="")),
                name="maps_requirement_node_or_item",
            ),
            models.UniqueConstraint(fields=["position", "node"], condition=models.Q(node__isnull=False),
                                    name="maps_requirement_unique_node"),
            models.UniqueConstraint(fields=["position", "item_key"], condition=~models.Q(item_key=""),
                                    name="maps_requirement_unique_item"),
        ]

    def __str__(self):
        return f"{self.position}: {self.node or self.item_key}"

    @property
    def topic_key(self):
        """What the matrix's column stands for: 'n<node id>' or the item's key."""
        return f"n{self.node_id}" if self.node_id else self.item_key
