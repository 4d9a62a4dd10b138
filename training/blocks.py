"""A step's question bank, edited inside the step as a StreamField: each question keeps its
block id, so attempts can name the questions they drew."""
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.blocks.struct_block import StructBlockValidationError


class QuestionKind:
    SINGLE = "single"
    MULTIPLE = "multiple"
    TRUE_FALSE = "true_false"
    CHOICES = [(SINGLE, _("Single choice")), (MULTIPLE, _("Multiple choice")), (TRUE_FALSE, _("True or false"))]


class ChoiceBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("choice"), max_length=500)
    correct = blocks.BooleanBlock(label=_("correct"), required=False)

    class Meta:
        label = _("choice")


class QuestionBlock(blocks.StructBlock):
    kind = blocks.ChoiceBlock(label=_("type"), choices=QuestionKind.CHOICES, default=QuestionKind.SINGLE)
    text = blocks.TextBlock(label=_("question"), rows=2)
    choices = blocks.ListBlock(
        ChoiceBlock(), label=_("choices"), required=False,
        help_text=_("True-or-false questions need no choices: tick 'statement is true' instead."),
    )
    statement_true = blocks.BooleanBlock(label=_("statement is true"), required=False,
                                         help_text=_("Only for true-or-false questions."))
    explanation = blocks.TextBlock(label=_("explanation"), required=False, rows=2,
                                   help_text=_("Shown with the correct answer."))

    class Meta:
        label = _("question")
        icon = "help"

    def clean(self, value):
        value = super().clean(value)
        kind = value["kind"]
        if kind == QuestionKind.TRUE_FALSE:
            return value
        choices = [c for c in value["choices"] if c["text"].strip()]
        correct = sum(1 for c in choices if c["correct"])
        message = None
        if len(choices) < 2:
            message = _("Give at least two choices.")
        elif kind == QuestionKind.SINGLE and correct != 1:
            message = _("A single-choice question has exactly one correct choice.")
        elif kind == QuestionKind.MULTIPLE and correct < 1:
            message = _("Mark at least one choice as correct.")
        if message:
            raise StructBlockValidationError(non_block_errors=[ValidationError(message)])
        return value


class QuizBlock(blocks.StreamBlock):
    question = QuestionBlock()
