// Small pugixml helpers for DS3/S3 bodies: parse with a Protocol error on bad input, look
// elements up by local name (S3 uses a default xmlns, DS3 none), and write compact XML.
#pragma once

#include <cstddef>
#include <memory>
#include <pugixml.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace storewire::xml {

// A parsed, immutable document. Share it (shared_ptr) with anything holding its nodes.
class Document {
 public:
  // Parses a copy of the bytes (UTF-8, or UTF-16/32 with a BOM). Throws Error(Protocol)
  // naming the byte offset and pugixml's description for malformed or empty input.
  static std::shared_ptr<const Document> parse(const void* data, std::size_t size);
  pugi::xml_node root() const { return doc_.document_element(); }

 private:
  pugi::xml_document doc_;
};

// "s3:Key" -> "Key", "{uri}Key" -> "Key", "Key" -> "Key".
std::string_view local_name(std::string_view qualified);

// First child element with that local name (null node if none).
pugi::xml_node child(pugi::xml_node parent, std::string_view local);

// Calls f(node) for each child element with that local name ("*": every child element).
template <class F>
void for_each_child(pugi::xml_node parent, std::string_view local, F&& f) {
  for (pugi::xml_node c = parent.first_child(); c; c = c.next_sibling()) {
    if (c.type() == pugi::node_element && (local == "*" || local_name(c.name()) == local)) f(c);
  }
}

// Path lookups in ElementTree's subset: "A/B" (children by local name), "*" (any child),
// "." (self), "//" or ".//" (any depth). Throws InvalidArgument for other syntax
// ("..", predicates).
std::vector<pugi::xml_node> find_all(pugi::xml_node from, std::string_view path);
pugi::xml_node find(pugi::xml_node from, std::string_view path);

// The element's own text: its text and CDATA children concatenated (entities decoded).
std::string text(pugi::xml_node node);

// Text of the first match of `path`, or `fallback` if nothing matches.
std::string child_text(pugi::xml_node from, std::string_view path, std::string_view fallback = {});

// Escaping for the writer (XML 1.0). Throws InvalidArgument for characters XML cannot carry
// (control characters other than tab, LF, CR).
std::string escape_text(std::string_view s);
std::string escape_attribute(std::string_view s);

// Builds compact, namespace-free XML (no whitespace between elements), e.g.
//   Writer w; w.start("Delete").element("Quiet", "true").start("Object")
//     .element("Key", k).end().end(); body = w.finish();
class Writer {
 public:
  explicit Writer(bool declaration = false);
  Writer& start(std::string_view tag);
  // Only directly after start() of the element it belongs to.
  Writer& attribute(std::string_view name, std::string_view value);
  Writer& text(std::string_view s);
  Writer& end();  // "<a/>" when the element has no content
  Writer& element(std::string_view tag, std::string_view text);
  std::size_t depth() const noexcept { return open_.size(); }
  // The document; InvalidArgument if elements are still open or there is no root.
  const std::string& finish();

 private:
  void close_start_tag();
  std::string out_;
  std::vector<std::string> open_;
  bool in_start_tag_ = false;
  bool has_root_ = false;
};

}  // namespace storewire::xml
