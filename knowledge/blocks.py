"""StreamField blocks of a knowledge article body."""
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.contrib.table_block.blocks import TableBlock
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.images.blocks import ImageChooserBlock

RICH_TEXT_FEATURES = ["h3", "h4", "bold", "italic", "ol", "ul", "link", "document-link", "code", "blockquote"]


class HeadingBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("text"))
    level = blocks.ChoiceBlock(
        choices=[("h2", _("Heading 2")), ("h3", _("Heading 3")), ("h4", _("Heading 4"))],
        default="h2",
        label=_("level"),
    )

    class Meta:
        icon = "title"
        label = _("Heading")
        template = "knowledge/blocks/heading.html"


class ImageBlock(blocks.StructBlock):
    image = ImageChooserBlock(label=_("image"))
    caption = blocks.CharBlock(required=False, label=_("caption"))

    class Meta:
        icon = "image"
        label = _("Image")
        template = "knowledge/blocks/image.html"


class CodeBlock(blocks.StructBlock):
    language = blocks.ChoiceBlock(
        choices=[
            ("text", _("Plain text")), ("python", "Python"), ("sql", "SQL"), ("bash", "Shell"),
            ("javascript", "JavaScript"), ("java", "Java"), ("c", "C/C++"), ("json", "JSON"),
            ("xml", "XML"),
        ],
        default="text",
        label=_("language"),
    )
    code = blocks.TextBlock(label=_("code"))

    class Meta:
        icon = "code"
        label = _("Code")
        template = "knowledge/blocks/code.html"


class CalloutBlock(blocks.StructBlock):
    kind = blocks.ChoiceBlock(
        choices=[("info", _("Note")), ("tip", _("Tip")), ("warning", _("Warning"))],
        default="info",
        label=_("kind"),
    )
    text = blocks.RichTextBlock(features=["bold", "italic", "link", "document-link"], label=_("text"))

    class Meta:
        icon = "warning"
        label = _("Callout")
        template = "knowledge/blocks/callout.html"


class EmbeddedDocumentBlock(blocks.StructBlock):
    document = DocumentChooserBlock(label=_("document"))
    caption = blocks.CharBlock(required=False, label=_("caption"))

    class Meta:
        icon = "doc-full"
        label = _("Document")
        template = "knowledge/blocks/document.html"


class ArticleBodyBlock(blocks.StreamBlock):
    heading = HeadingBlock()
    paragraph = blocks.RichTextBlock(features=RICH_TEXT_FEATURES, label=_("Rich text"), icon="pilcrow")
    table = TableBlock(label=_("Table"))
    image = ImageBlock()
    code = CodeBlock()
    callout = CalloutBlock()
    document = EmbeddedDocumentBlock()
