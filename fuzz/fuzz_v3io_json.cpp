// The V3IO JSON reader (cpp/v3io): parse hostile bytes, walk the tape the way the binding
// does, and check its invariants: subtrees nest inside their parent, every text lies in
// bounds, escaping a parsed string and parsing it again gives it back, and the base64,
// number and array-blob helpers accept what they accept without reading out of bounds.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_common.h"
#include "v3io/json.h"

using namespace storewire;
using namespace storewire::v3io;

namespace {

void walk(const Document& doc) {
  const auto& nodes = doc.nodes();
  fuzz::check(!nodes.empty(), "a parsed document has a root");
  fuzz::check(doc.next(0) == nodes.size(), "the root spans the whole tape");
  for (std::uint32_t i = 0; i < nodes.size(); ++i) {
    const Node& n = nodes[i];
    if (n.kind == Kind::Array || n.kind == Kind::Object) {
      fuzz::check(n.end > i && n.end <= nodes.size(), "subtree end in bounds");
      std::uint32_t j = i + 1;
      const std::uint32_t per = n.kind == Kind::Object ? 2 : 1;
      for (std::uint32_t k = 0; k < n.count * per; ++k) {
        fuzz::check(j < n.end, "children inside their parent");
        if (n.kind == Kind::Object && k % 2 == 0) {
          fuzz::check(nodes[j].kind == Kind::String, "member names are strings");
        }
        j = doc.next(j);
      }
      fuzz::check(j == n.end, "children fill their parent");
    }
    if (n.kind == Kind::String) {
      const std::string_view text = doc.text(n);
      std::string escaped;
      json_string_append(text, escaped);
      const Document again(escaped);
      fuzz::check(again.nodes().size() == 1 && again.text(again.nodes()[0]) == text,
                  "escaping round-trips", std::string(text));
      std::int64_t value = 0;
      number_form(text, value);
      std::string data;
      if (base64_decode_strict(text, data)) {
        fuzz::check(data.size() <= text.size() / 4 * 3, "base64 output size");
        std::size_t count = 0;
        if (array_blob(data, count) != ArrayKind::None) {
          fuzz::check(16 + count * 8 == data.size(), "array blob size");
        }
        std::string back;
        base64_append(data, back);
        fuzz::check(back.size() == text.size(), "base64 length round-trips");
      }
    }
    if (n.kind == Kind::Float || n.kind == Kind::BigInt) {
      fuzz::check(!doc.text(n).empty(), "number text");
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  fuzz::typed([&] { walk(Document(in)); });
  return 0;
}
