// The XML layer under every S3 and DS3 answer (cpp/xml): parse, then read the document the
// way the S3 client reads listings, multipart and error replies. An input starting with
// "#path\n" also fuzzes the ElementTree path syntax with that path.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_common.h"
#include "xml/xml.h"

using namespace storewire;

namespace {

const char* const kPaths[] = {
    "Buckets/Bucket", "Contents", "CommonPrefixes", "Upload", "Error", "Deleted",
    "Code", "Message", "ETag", "UploadId", "NextContinuationToken", "IsTruncated",
    ".//Key", "*", ".", "*/Key",
};

void walk(pugi::xml_node root, std::string_view path) {
  for (pugi::xml_node n : xml::find_all(root, path)) {
    xml::text(n);
    xml::child_text(n, "Key");
    xml::child_text(n, "Size", "0");
    xml::local_name(n.name());
  }
  xml::find(root, path);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::string path;
  if (!in.empty() && in[0] == '#') {
    const std::size_t nl = in.find('\n');
    path = std::string(in.substr(1, nl == std::string_view::npos ? in.size() : nl - 1));
    in = nl == std::string_view::npos ? std::string_view() : in.substr(nl + 1);
  }
  fuzz::typed([&] {
    auto doc = xml::Document::parse(in.data(), in.size());
    const pugi::xml_node root = doc->root();
    fuzz::check(static_cast<bool>(root), "parse returned a document without a root element");
    for (const char* p : kPaths) walk(root, p);
    if (!path.empty()) fuzz::typed([&] { walk(root, path); });
    xml::text(root);
  });
  // The writer must refuse, not emit, text XML cannot carry; what it emits must parse back.
  fuzz::typed([&] {
    xml::Writer w(true);
    w.start("Root").attribute("a", std::string(in.substr(0, 64))).element("Key", std::string(in));
    const std::string& out = w.end().finish();
    auto back = xml::Document::parse(out.data(), out.size());
    fuzz::check(xml::child_text(back->root(), "Key") == in, "writer round trip changed the text");
  });
  return 0;
}
