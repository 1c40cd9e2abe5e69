// A small, strict, bounded JSON reader for V3IO answers (RFC 8259, UTF-8 only).
//
// parse() turns a body into a flat tape of nodes in document order; the binding layer walks
// the tape to build Python values. Everything the peer controls is bounded: nesting depth,
// node count, number literal length. Any violation throws storewire::Error(Protocol).
// Strings without escapes point into the input; escaped ones are decoded into the
// document's own buffer (lone surrogates from \u escapes are kept as 3-byte sequences,
// "surrogatepass" style, so the binding gives the same str as Python's json module).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace storewire::v3io {

enum class Kind : std::uint8_t { Null, False, True, Int, BigInt, Float, String, Array, Object };

struct Node {
  Kind kind = Kind::Null;
  bool escaped = false;     // String: text lives in Document::strings, not in the input
  std::uint32_t count = 0;  // Array: elements; Object: members (key + value pairs)
  std::uint32_t end = 0;    // Array/Object: index of the first node after this subtree
  std::int64_t integer = 0; // Int
  std::size_t offset = 0;   // String/BigInt/Float: where the text starts
  std::size_t length = 0;   // its length in bytes
};

struct Limits {
  std::size_t max_depth = 64;              // V3IO answers nest 4 deep
  std::size_t max_nodes = 16u << 20;       // a 10 MiB answer has fewer
  std::size_t max_number_chars = 512;
};

class Document {
 public:
  // Throws storewire::Error(Protocol) for anything that is not one strict JSON value.
  Document(std::string_view input, const Limits& limits = {});

  const std::vector<Node>& nodes() const { return nodes_; }
  // The text of a String, BigInt or Float node (decoded for escaped strings).
  std::string_view text(const Node& n) const {
    return n.escaped ? std::string_view(strings_).substr(n.offset, n.length)
                     : input_.substr(n.offset, n.length);
  }
  // Index of the node after node i's subtree (i + 1 for scalars).
  std::uint32_t next(std::uint32_t i) const {
    const Node& n = nodes_[i];
    return n.kind == Kind::Array || n.kind == Kind::Object ? n.end : i + 1;
  }

 private:
  std::string_view input_;
  std::string strings_;
  std::vector<Node> nodes_;
};

// Strict standard base64 as the V3IO blob fields use it: length a multiple of 4, padding
// only at the end. Returns false (out untouched) for anything else.
bool base64_decode_strict(std::string_view text, std::string& out);

// Base64 of bytes (standard alphabet, padded), appended to out.
void base64_append(std::string_view bytes, std::string& out);

// JSON string literal of UTF-8 text, escaped as Python's json module does with
// ensure_ascii=False (", \, \n, \r, \t, \b, \f; other controls as \u00xx), appended to out.
void json_string_append(std::string_view text, std::string& out);

// The canonical number forms of an "N" attribute: "-?[0-9]{1,18}" (an int that fits),
// or a plain decimal float literal; anything else is left to the caller's slow path.
enum class NumberForm { Other, Int, Float };
NumberForm number_form(std::string_view text, std::int64_t& value);

// A V3IO array blob (header + int64 or double payload) as its element kind and count.
enum class ArrayKind { None, Int64, Double };
ArrayKind array_blob(std::string_view data, std::size_t& count);

}  // namespace storewire::v3io
