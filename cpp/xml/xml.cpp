#include "xml/xml.h"

#include <algorithm>
#include <unordered_set>

#include "storewire/error.h"

namespace storewire::xml {

namespace {

[[noreturn]] void bad_path(std::string_view path, const char* why) {
  throw Error(ErrorKind::InvalidArgument,
              "unsupported XML path '" + std::string(path) + "': " + why);
}

// Iterative document-order walk: a hostile, deeply nested response cannot exhaust the stack.
void add_descendants_or_self(pugi::xml_node top, std::vector<pugi::xml_node>& out) {
  out.push_back(top);
  pugi::xml_node n = top.first_child();
  while (n && n != top) {
    if (n.type() == pugi::node_element) out.push_back(n);
    if (n.first_child()) {
      n = n.first_child();
      continue;
    }
    while (n != top && !n.next_sibling()) n = n.parent();
    if (n != top) n = n.next_sibling();
  }
}

// One step of a path applied to every node of the current set, without duplicates.
std::vector<pugi::xml_node> step(const std::vector<pugi::xml_node>& current, std::string_view seg,
                                 std::string_view path) {
  std::vector<pugi::xml_node> next;
  if (seg == ".") return current;
  if (seg == "..") bad_path(path, "parent steps are not supported");
  if (seg.find_first_of("[]@()") != std::string_view::npos)
    bad_path(path, "only names, '*' and '//'");
  if (seg.empty()) {  // from "//": any depth
    for (auto n : current) add_descendants_or_self(n, next);
  } else {
    const std::string_view local = seg == "*" ? seg : local_name(seg);
    for (auto n : current) for_each_child(n, local, [&](pugi::xml_node c) { next.push_back(c); });
  }
  // Nested matches reached from two starting points would appear twice.
  if (current.size() > 1) {
    std::unordered_set<const void*> seen;
    next.erase(
        std::remove_if(next.begin(), next.end(),
                       [&](pugi::xml_node n) { return !seen.insert(n.internal_object()).second; }),
        next.end());
  }
  return next;
}

bool name_start_char(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c == ':' || c >= 0x80;
}

void check_name(std::string_view name) {
  bool ok = !name.empty() && name_start_char(static_cast<unsigned char>(name[0]));
  for (std::size_t i = 1; ok && i < name.size(); ++i) {
    const auto c = static_cast<unsigned char>(name[i]);
    ok = name_start_char(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
  }
  if (!ok) throw Error(ErrorKind::InvalidArgument, "invalid XML name '" + std::string(name) + "'");
}

// Control characters other than tab/LF/CR are not allowed anywhere in XML 1.0.
void check_char(unsigned char c) {
  if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
    throw Error(ErrorKind::InvalidArgument,
                "XML cannot carry control character " + std::to_string(c) +
                    " (S3 keys with such characters need encoding-type=url)");
}

std::string escape(std::string_view s, bool attribute) {
  std::string out;
  out.reserve(s.size() + 8);
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    check_char(c);
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;  // keeps "]]>" out of text
      case '"': out += attribute ? "&quot;" : "\""; break;
      // Parsers normalise raw CR (and, in attributes, tab/LF) away; references survive.
      case '\r': out += "&#13;"; break;
      case '\n': out += attribute ? "&#10;" : "\n"; break;
      case '\t': out += attribute ? "&#9;" : "\t"; break;
      default: out.push_back(ch);
    }
  }
  return out;
}

// Namespaces are ignored, so "{uri}Name" steps (whose uri holds '/') become "Name".
std::string strip_namespaces(std::string_view path) {
  std::string out;
  out.reserve(path.size());
  for (std::size_t i = 0; i < path.size(); ++i) {
    if (path[i] == '{') {
      const std::size_t close = path.find('}', i);
      if (close == std::string_view::npos) bad_path(path, "unclosed '{'");
      i = close;
    } else {
      out.push_back(path[i]);
    }
  }
  return out;
}

// Offset of the first byte that is not well-formed UTF-8 (RFC 3629: no overlongs, no
// surrogates, nothing above U+10FFFF), or `size` if all of it is.
std::size_t invalid_utf8_at(const unsigned char* p, std::size_t size) {
  std::size_t i = 0;
  while (i < size) {
    const unsigned char c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = 0;
    unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return i;
    }
    if (i + len > size || p[i + 1] < lo || p[i + 1] > hi) return i;
    for (std::size_t k = 2; k < len; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return i;
    }
    i += len;
  }
  return size;
}

// Where byte `at` lies, for a message: "in the text of <Key>" or "in the tag <Object ...>",
// so that a person can tell which field a server got wrong.
std::string where_in(const unsigned char* p, std::size_t size, std::size_t at) {
  std::size_t open = at;
  while (open > 0 && !(p[open - 1] == '<' && open < size && p[open] != '/' && p[open] != '!' &&
                       p[open] != '?'))
    --open;
  if (open == 0) return {};
  std::size_t end = open;
  while (end < size && end - open < 64 && p[end] != ' ' && p[end] != '>' && p[end] != '/' &&
         p[end] != '\t' && p[end] != '\n' && p[end] != '\r' && p[end] < 0x80)
    ++end;
  const std::string name(reinterpret_cast<const char*>(p + open), end - open);
  bool inside_tag = true;  // no '>' between the tag's name and the bad byte
  for (std::size_t i = end; i < at; ++i) inside_tag = inside_tag && p[i] != '>';
  return inside_tag ? " (in the tag <" + name + " ...>)" : " (in the text of <" + name + ">)";
}

[[noreturn]] void misuse(const char* what) {
  throw Error(ErrorKind::InvalidArgument, what);
}

}  // namespace

std::shared_ptr<const Document> Document::parse(const void* data, std::size_t size) {
  // ws_pcdata_single keeps "<Key> </Key>" (a real S3 key) while dropping indentation;
  // fragment mode lets text outside the root through so it can be rejected below.
  constexpr unsigned kOptions =
      pugi::parse_default | pugi::parse_ws_pcdata_single | pugi::parse_fragment;
  auto doc = std::make_shared<Document>();
  const pugi::xml_parse_result r = doc->doc_.load_buffer(data, size, kOptions, pugi::encoding_auto);
  if (!r) {
    throw Error(ErrorKind::Protocol,
                "malformed XML at byte " + std::to_string(r.offset) + ": " + r.description(),
                "xml");
  }
  // S3 and DS3 send UTF-8. pugixml would convert UTF-16/32 or a declared Latin-1 document
  // silently, dropping unpaired surrogates: a key could come back as another key.
  if (r.encoding != pugi::encoding_utf8)
    throw Error(ErrorKind::Protocol, "malformed XML: the document is not UTF-8", "xml");
  // pugixml passes UTF-8 bytes through unchecked; callers need valid text.
  {
    const std::size_t bad = invalid_utf8_at(static_cast<const unsigned char*>(data), size);
    if (bad != size) {
      throw Error(ErrorKind::Protocol,
                  "malformed XML: invalid UTF-8 at byte " + std::to_string(bad) +
                      where_in(static_cast<const unsigned char*>(data), size, bad),
                  "xml");
    }
  }
  int roots = 0;
  for (pugi::xml_node n = doc->doc_.first_child(); n; n = n.next_sibling()) {
    if (n.type() == pugi::node_element) ++roots;
    if (n.type() == pugi::node_pcdata || n.type() == pugi::node_cdata)
      throw Error(ErrorKind::Protocol, "malformed XML: text outside the root element", "xml");
  }
  if (roots != 1) {
    throw Error(ErrorKind::Protocol, "malformed XML: " + std::to_string(roots) + " root elements",
                "xml");
  }
  return doc;
}

std::string_view local_name(std::string_view q) {
  if (!q.empty() && q.front() == '{') {
    const std::size_t close = q.find('}');
    return close == std::string_view::npos ? q : q.substr(close + 1);
  }
  const std::size_t colon = q.rfind(':');
  return colon == std::string_view::npos ? q : q.substr(colon + 1);
}

pugi::xml_node child(pugi::xml_node parent, std::string_view local) {
  for (pugi::xml_node c = parent.first_child(); c; c = c.next_sibling()) {
    if (c.type() == pugi::node_element && local_name(c.name()) == local) return c;
  }
  return {};
}

std::vector<pugi::xml_node> find_all(pugi::xml_node from, std::string_view path) {
  std::string stripped;
  if (path.find('{') != std::string_view::npos) path = stripped = strip_namespaces(path);
  if (path.empty()) bad_path(path, "empty");
  if (path.front() == '/') bad_path(path, "absolute paths are not supported");
  if (!from) return {};
  std::vector<pugi::xml_node> current{from};
  std::string_view rest = path;
  while (true) {
    const std::size_t slash = rest.find('/');
    current = step(current, rest.substr(0, slash), path);
    if (slash == std::string_view::npos || current.empty()) break;
    rest.remove_prefix(slash + 1);
    if (rest.empty()) bad_path(path, "trailing '/'");
  }
  return current;
}

pugi::xml_node find(pugi::xml_node from, std::string_view path) {
  // The common case, a chain of plain names, walks without building node lists.
  if (!path.empty() && path.find_first_of("*./[]@(){") == std::string_view::npos) {
    for (pugi::xml_node n = from;;) {
      const std::size_t slash = path.find('/');
      n = child(n, local_name(path.substr(0, slash)));
      if (!n || slash == std::string_view::npos) return n;
      path.remove_prefix(slash + 1);
      if (path.empty()) break;
    }
  }
  auto all = find_all(from, path);
  return all.empty() ? pugi::xml_node{} : all.front();
}

std::string text(pugi::xml_node node) {
  std::string out;
  for (pugi::xml_node c = node.first_child(); c; c = c.next_sibling()) {
    if (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) out += c.value();
  }
  return out;
}

std::string child_text(pugi::xml_node from, std::string_view path, std::string_view fallback) {
  pugi::xml_node n = find(from, path);
  return n ? text(n) : std::string(fallback);
}

std::string escape_text(std::string_view s) {
  return escape(s, false);
}
std::string escape_attribute(std::string_view s) {
  return escape(s, true);
}

Writer::Writer(bool declaration) {
  if (declaration) out_ = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>";
}

void Writer::close_start_tag() {
  if (in_start_tag_) out_.push_back('>');
  in_start_tag_ = false;
}

Writer& Writer::start(std::string_view tag) {
  check_name(tag);
  if (open_.empty() && has_root_) misuse("XML allows one root element");
  close_start_tag();
  out_.push_back('<');
  out_.append(tag);
  open_.emplace_back(tag);
  in_start_tag_ = true;
  has_root_ = true;
  return *this;
}

Writer& Writer::attribute(std::string_view name, std::string_view value) {
  if (!in_start_tag_) misuse("attributes must follow start() directly");
  check_name(name);
  const std::string escaped = escape_attribute(value);
  out_.push_back(' ');
  out_.append(name).append("=\"").append(escaped).push_back('"');
  return *this;
}

Writer& Writer::text(std::string_view s) {
  if (open_.empty()) misuse("text needs an open element");
  std::string escaped = escape_text(s);
  close_start_tag();
  out_.append(escaped);
  return *this;
}

Writer& Writer::end() {
  if (open_.empty()) misuse("end() without an open element");
  if (in_start_tag_) {
    out_.append("/>");
    in_start_tag_ = false;
  } else {
    out_.append("</").append(open_.back()).push_back('>');
  }
  open_.pop_back();
  return *this;
}

Writer& Writer::element(std::string_view tag, std::string_view s) {
  start(tag);
  if (!s.empty()) text(s);
  return end();
}

const std::string& Writer::finish() {
  if (!open_.empty()) misuse("XML elements are still open");
  if (!has_root_) misuse("XML document has no root element");
  return out_;
}

}  // namespace storewire::xml
