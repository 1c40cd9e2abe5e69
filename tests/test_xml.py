"""storewire._native.xml: parsing S3/DS3 documents, malformed input, and the writer."""

from __future__ import annotations

import gc
import random
import xml.etree.ElementTree as ET

import pytest

from storewire._native import xml
from storewire.errors import InvalidRequestError, ProtocolError

S3_LIST = """<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Name>bucket</Name>
  <Prefix/>
  <KeyCount>2</KeyCount>
  <IsTruncated>false</IsTruncated>
  <Contents>
    <Key>a &amp; b.txt</Key>
    <LastModified>2009-10-12T17:50:30.000Z</LastModified>
    <ETag>&quot;fba9dede5f27731c9771645a39863328&quot;</ETag>
    <Size>434234</Size>
    <Owner><ID>75aa57f0</ID><DisplayName>mtd</DisplayName></Owner>
  </Contents>
  <Contents>
    <Key><![CDATA[dir/<ü>.bin]]></Key>
    <Size>0</Size>
  </Contents>
  <CommonPrefixes><Prefix>photos/</Prefix></CommonPrefixes>
</ListBucketResult>
""".encode()

DS3_MASTER_OBJECT_LIST = (
    b'<MasterObjectList BucketName="books" JobId="a1b2" Status="IN_PROGRESS">'
    b'<Nodes><Node EndPoint="10.0.0.1" HttpPort="80" Id="n1"/></Nodes>'
    b'<Objects ChunkId="c1" ChunkNumber="0" NodeId="n1">'
    b'<Object InCache="false" Length="10" Name="beowulf.txt" Offset="0"/>'
    b'<Object InCache="true" Length="5" Name="sherlock.txt" Offset="0"/>'
    b"</Objects></MasterObjectList>"
)


def test_s3_namespaced_document():
    root = xml.parse(S3_LIST)
    assert root.tag == "ListBucketResult"
    assert root.findtext("Name") == "bucket"
    assert root.findtext("Prefix") == ""
    assert root.findtext("Missing") is None
    assert root.findtext("Missing", "dflt") == "dflt"
    assert root.findtext("IsTruncated") == "false"
    contents = root.findall("Contents")
    assert [c.findtext("Key") for c in contents] == ["a & b.txt", "dir/<ü>.bin"]
    assert contents[0].findtext("ETag") == '"fba9dede5f27731c9771645a39863328"'
    assert contents[0].findtext("Owner/DisplayName") == "mtd"
    assert int(contents[0].findtext("Size") or 0) == 434234
    assert [p.text for p in root.findall("CommonPrefixes/Prefix")] == ["photos/"]
    # ElementTree-style qualified names and descendant search work too.
    ns = "{http://s3.amazonaws.com/doc/2006-03-01/}"
    assert root.findtext(f"{ns}Contents/{ns}Key") == "a & b.txt"
    assert [k.text for k in root.findall(".//Key")] == ["a & b.txt", "dir/<ü>.bin"]
    assert len(root.findall("*")) == 7
    assert root.attrib == {}  # the xmlns declaration is not an attribute


def test_ds3_document_and_attributes():
    root = xml.parse(DS3_MASTER_OBJECT_LIST)
    assert root.tag == "MasterObjectList"
    assert root.attrib == {"BucketName": "books", "JobId": "a1b2", "Status": "IN_PROGRESS"}
    assert root.get("JobId") == "a1b2"
    assert root.get("Nope") is None
    assert root.get("Nope", "x") == "x"
    node = root.find("Nodes/Node")
    assert node is not None and node.get("EndPoint") == "10.0.0.1"
    objects = root.find("Objects")
    assert objects is not None
    assert len(objects) == 2
    assert [o.get("Name") for o in objects] == ["beowulf.txt", "sherlock.txt"]
    assert objects[-1].get("InCache") == "true"
    with pytest.raises(IndexError):
        objects[2]
    assert [e.tag for e in root] == ["Nodes", "Objects"]
    assert repr(root) == "<Element 'MasterObjectList'>"
    assert bool(objects[0])  # childless elements are still truthy


def test_matches_elementtree_on_the_same_document():
    ours = xml.parse(DS3_MASTER_OBJECT_LIST)
    theirs = ET.fromstring(DS3_MASTER_OBJECT_LIST)
    for path in ("Objects/Object", "*/*", ".//Object", "Nodes", "./Objects"):
        assert [e.attrib for e in ours.findall(path)] == [e.attrib for e in theirs.findall(path)]


def test_str_and_buffer_input():
    assert xml.parse("<a>ü</a>").text == "ü"
    assert xml.parse(bytearray(b"<a>x</a>")).text == "x"
    assert xml.parse(memoryview(b"..<a>y</a>")[2:]).text == "y"


@pytest.mark.parametrize(
    "document",
    [
        "<?xml version='1.0' encoding='UTF-16'?><a>ü€</a>".encode("utf-16"),
        "<a>k\ud800ey</a>".encode("utf-16-le", "surrogatepass"),  # unpaired: would vanish
        "<?xml version='1.0' encoding='ISO-8859-1'?><a>caf\xe9</a>".encode("latin-1"),
    ],
)
def test_documents_that_are_not_utf8_are_refused(document):
    # S3 and DS3 answer in UTF-8; converting others silently could turn a key into another.
    with pytest.raises(ProtocolError, match="UTF-8"):
        xml.parse(document)


def test_elements_keep_their_document_alive():
    root = xml.parse(S3_LIST)
    key = root.findall("Contents")[1].find("Key")
    del root
    gc.collect()
    assert key is not None and key.text == "dir/<ü>.bin"


def test_large_document_parses(make_payload):
    body = b"<Delete>" + b"".join(b"<Object><Key>k%d</Key></Object>" % i for i in range(20000))
    root = xml.parse(body + b"</Delete>")
    assert len(root.findall("Object/Key")) == 20000
    assert root.findall("Object")[-1].findtext("Key") == "k19999"


@pytest.mark.parametrize(
    "bad",
    [
        b"",
        b"   ",
        b"<a>",
        b"<a></b>",
        b"<a><b></a>",
        b"not xml at all",
        b"<a/><b/>",
        b"<a/>trailing",
        b"<a>\xff</a>",
        b"<a>\xed\xa0\x80</a>",
        b"<a>\xc0\xaf</a>",
        b"<?xml version='1.0'?>",
        b"\x00\x01\x02",
    ],
)
def test_malformed_input_raises_protocol_error(bad):
    with pytest.raises(ProtocolError) as info:
        xml.parse(bad)
    assert "XML" in str(info.value)
    assert isinstance(info.value, ConnectionError)  # ProtocolError is a TransportError


def test_error_names_the_offset():
    with pytest.raises(ProtocolError, match=r"at byte \d+"):
        xml.parse(b"<a><b>text</c></a>")


def test_fuzz_random_and_truncated_documents():
    rng = random.Random(20261121)
    docs = [S3_LIST, DS3_MASTER_OBJECT_LIST, xml.build("A", [("B", {"x": "<&>"}, "t")])]
    outcomes = {"ok": 0, "error": 0}
    for i in range(4000):
        doc = rng.choice(docs)
        kind = i % 4
        if kind == 0:
            data = doc[: rng.randrange(len(doc) + 1)]
        elif kind == 1:
            data = rng.randbytes(rng.randrange(200))
        elif kind == 2:
            mutated = bytearray(doc)
            for _ in range(rng.randint(1, 8)):
                mutated[rng.randrange(len(mutated))] = rng.randrange(256)
            data = bytes(mutated)
        else:
            pieces = [b"<", b">", b"</", b"/>", b"a", b"=", b'"', b"&amp;", b"<![CDATA[", b"]]>"]
            data = b"".join(rng.choice(pieces) for _ in range(rng.randrange(40)))
        try:
            root = xml.parse(data)
        except ProtocolError:
            outcomes["error"] += 1
            continue
        outcomes["ok"] += 1
        # Whatever parsed must be walkable.
        for element in root.findall(".//*"):
            _ = (element.tag, element.text, element.attrib, len(element))
    assert outcomes["ok"] > 20 and outcomes["error"] > 1000, outcomes


def test_deep_nesting_does_not_exhaust_the_stack():
    depth = 200_000
    root = xml.parse(b"<a>" * depth + b"x" + b"</a>" * depth)
    assert len(root.findall(".//a")) == depth - 1  # descendants, not the root itself
    assert root.findtext("a/a/a") == ""


def test_unsupported_paths():
    root = xml.parse(b"<a><b/></a>")
    for path in ("", "/a", "..", "b[1]", "@x", "b/"):
        with pytest.raises(InvalidRequestError, match="XML path"):
            root.findall(path)


# ---- writer ------------------------------------------------------------------------------


def test_multi_delete_body_with_the_writer():
    w = xml.Writer()
    w.start("Delete").element("Quiet", True)
    for key in ("a.txt", "dir/<b>&'c\".bin"):
        w.start("Object").element("Key", key).end()
    body = w.end().getvalue()
    assert body == (
        b"<Delete><Quiet>true</Quiet><Object><Key>a.txt</Key></Object>"
        b"<Object><Key>dir/&lt;b&gt;&amp;'c\".bin</Key></Object></Delete>"
    )
    root = xml.parse(body)
    assert [k.text for k in root.findall("Object/Key")] == ["a.txt", "dir/<b>&'c\".bin"]


def test_complete_multipart_and_ds3_bulk_bodies_with_build():
    parts = [(1, '"etag1"'), (2, '"etag2"')]
    body = xml.build(
        "CompleteMultipartUpload",
        [("Part", [("PartNumber", n), ("ETag", e)]) for n, e in parts],
    )
    assert body == (
        b'<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"etag1"</ETag></Part>'
        b'<Part><PartNumber>2</PartNumber><ETag>"etag2"</ETag></Part></CompleteMultipartUpload>'
    )
    bulk = xml.build("Objects", [("Object", {"Name": 'a b"<&>', "Size": 10}, None)])
    assert bulk == b'<Objects><Object Name="a b&quot;&lt;&amp;&gt;" Size="10"/></Objects>'
    decl = xml.build("Data", declaration=True)
    assert decl == b'<?xml version="1.0" encoding="UTF-8"?><Data/>'


def test_escaping_round_trip(rng):
    alphabet = "ab <>&\"'\t\n\r]]>ü€ሴ\U0001f600=;/"
    for _ in range(300):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(30)))
        value = "".join(rng.choice(alphabet) for _ in range(rng.randrange(30)))
        body = xml.build("R", [("E", {"v": value}, text)])
        ours = xml.parse(body).find("E")
        assert ours is not None and ours.text == text and ours.get("v") == value
        theirs = ET.fromstring(body).find("E")
        assert theirs is not None and (theirs.text or "") == text and theirs.get("v") == value


def test_writer_misuse_is_reported():
    with pytest.raises(InvalidRequestError, match="still open"):
        xml.Writer().start("a").getvalue()
    with pytest.raises(InvalidRequestError, match="no root"):
        xml.Writer().getvalue()
    with pytest.raises(InvalidRequestError, match="one root"):
        xml.Writer().element("a").start("b")
    with pytest.raises(InvalidRequestError, match="without an open element"):
        xml.Writer().end()
    with pytest.raises(InvalidRequestError, match="text needs"):
        xml.Writer().text("x")
    with pytest.raises(InvalidRequestError, match="invalid XML name"):
        xml.Writer().start("a b")
    with pytest.raises(InvalidRequestError, match="control character"):
        xml.build("Key", "bad\x01char")
    w = xml.Writer()
    w.start("a")
    with pytest.raises(InvalidRequestError):
        w.text("\x00")
    assert w.depth == 1
    assert w.end().getvalue() == b"<a/>"  # a failed call leaves the writer intact


def test_build_rejects_bad_trees():
    with pytest.raises(TypeError):
        xml.build("a", [["b", "c"]])  # type: ignore[list-item]
    with pytest.raises(ValueError):
        xml.build("a", [("b",)])  # type: ignore[list-item]
    with pytest.raises(TypeError):
        xml.build("a", 1.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        xml.build("a", b"bytes")  # type: ignore[arg-type]
    nested: list = []
    tree: list = nested
    for _ in range(300):
        child: list = []
        tree.append(("n", child))
        tree = child
    with pytest.raises(ValueError, match="too deeply"):
        xml.build("root", nested)
