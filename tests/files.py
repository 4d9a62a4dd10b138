"""Files for tests: real office documents (the demo builders) and deliberately bad ones."""
import io
import zipfile

from pypdf import PdfReader, PdfWriter

from portal.demo import files as builders

CHINESE = "上海企业知识库的扭矩试验规范，适用于BJ1032发动机。"


def docx(text=CHINESE, title="测试文档"):
    return builders.make_docx(title, [text])


def xlsx(text=CHINESE):
    return builders.make_xlsx("应收账款", ["客户", "说明"], [["北京福田", text]])


def pptx(text=CHINESE):
    return builders.make_pptx("培训", [("第一章", [text])])


def pdf(text=CHINESE, pages=2):
    return builders.make_pdf("规范", [text], pages=pages)


def encrypted_pdf(password="secret"):
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf())))
    writer.encrypt(password)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def encrypted_docx(password="secret"):
    from msoffcrypto.format.ooxml import OOXMLFile

    source, out = io.BytesIO(docx()), io.BytesIO()
    OOXMLFile(source).encrypt(password, out)
    return out.getvalue()


def corrupt_pdf():
    return b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage \x00\xff" * 20


def zip_bytes(entries, gbk_names=False):
    """A zip of ``{name: bytes}``; with ``gbk_names`` the names are written the way Chinese
    Windows tools do (GBK bytes, no UTF-8 flag)."""
    names = {}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for index, (name, data) in enumerate(entries.items()):
            if gbk_names:
                # zipfile only writes UTF-8 names; write an ASCII stand-in of the same length
                # and swap the GBK bytes in afterwards.
                raw = name.encode("gbk")
                stand_in = chr(ord("A") + index) * len(raw)
                names[stand_in.encode("ascii")] = raw
                name = stand_in
            archive.writestr(name, data)
    data = out.getvalue()
    for stand_in, raw in names.items():
        data = data.replace(stand_in, raw)
    return data


def zip_bomb(unpacked_mb=64):
    """A zip whose one entry expands about a thousand times."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        with archive.open("zeros.txt", "w", force_zip64=True) as entry:
            chunk = b"\0" * 2**20
            for _ in range(unpacked_mb):
                entry.write(chunk)
    return out.getvalue()
