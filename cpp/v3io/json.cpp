// The strict JSON reader behind the V3IO decoders (see json.h for the contract).
#include "json.h"

#include <charconv>
#include <cstring>

#include "storewire/error.h"

namespace storewire::v3io {

namespace {

[[noreturn]] void fail(const char* what, std::size_t at) {
  throw Error(ErrorKind::Protocol,
              std::string("malformed JSON: ") + what + " at byte " + std::to_string(at), "json");
}

void put_utf8(std::uint32_t cp, std::string& out) {
  // Surrogates (from lone \u escapes) come out as 3 bytes too: "surrogatepass".
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Bytes a string may hold as they are: printable ASCII other than '"' and '\\'.
struct PlainAsciiTable {
  bool v[256];
  PlainAsciiTable() {
    for (int c = 0; c < 256; ++c) v[c] = c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
  }
};
const PlainAsciiTable kPlainAscii;

class Parser {
 public:
  Parser(std::string_view in, const Limits& limits, std::string& strings,
         std::vector<Node>& nodes)
      : in_(in), limits_(limits), strings_(strings), nodes_(nodes) {}

  void document() {
    skip_ws();
    value(0);
    skip_ws();
    if (pos_ != in_.size()) fail("extra data after the value", pos_);
  }

 private:
  std::string_view in_;
  const Limits& limits_;
  std::string& strings_;
  std::vector<Node>& nodes_;
  std::size_t pos_ = 0;

  bool at_end() const { return pos_ >= in_.size(); }
  unsigned char peek() const { return static_cast<unsigned char>(in_[pos_]); }

  void skip_ws() {
    while (!at_end()) {
      const char c = in_[pos_];
      if (c != ' ' && c != '\n' && c != '\r' && c != '\t') break;
      ++pos_;
    }
  }

  std::uint32_t add(Kind kind) {
    if (nodes_.size() >= limits_.max_nodes) fail("too many values", pos_);
    nodes_.push_back(Node{});
    nodes_.back().kind = kind;
    return static_cast<std::uint32_t>(nodes_.size() - 1);
  }

  void literal(const char* word, Kind kind) {
    const std::size_t n = std::strlen(word);
    if (in_.substr(pos_, n) != word) fail("unexpected character", pos_);
    pos_ += n;
    add(kind);
  }

  void value(std::size_t depth) {
    if (at_end()) fail("unexpected end of input", pos_);
    switch (in_[pos_]) {
      case '{': return object(depth + 1);
      case '[': return array(depth + 1);
      case '"': return string();
      case 't': return literal("true", Kind::True);
      case 'f': return literal("false", Kind::False);
      case 'n': return literal("null", Kind::Null);
      default: return number();
    }
  }

  void object(std::size_t depth) {
    if (depth > limits_.max_depth) fail("nested too deeply", pos_);
    const std::uint32_t self = add(Kind::Object);
    ++pos_;
    skip_ws();
    std::uint32_t count = 0;
    if (!at_end() && in_[pos_] == '}') {
      ++pos_;
    } else {
      for (;;) {
        skip_ws();
        if (at_end() || in_[pos_] != '"') fail("expected a member name", pos_);
        string();
        skip_ws();
        if (at_end() || in_[pos_] != ':') fail("expected ':'", pos_);
        ++pos_;
        skip_ws();
        value(depth);
        ++count;
        skip_ws();
        if (at_end()) fail("unexpected end of input", pos_);
        if (in_[pos_] == ',') { ++pos_; continue; }
        if (in_[pos_] == '}') { ++pos_; break; }
        fail("expected ',' or '}'", pos_);
      }
    }
    nodes_[self].count = count;
    nodes_[self].end = static_cast<std::uint32_t>(nodes_.size());
  }

  void array(std::size_t depth) {
    if (depth > limits_.max_depth) fail("nested too deeply", pos_);
    const std::uint32_t self = add(Kind::Array);
    ++pos_;
    skip_ws();
    std::uint32_t count = 0;
    if (!at_end() && in_[pos_] == ']') {
      ++pos_;
    } else {
      for (;;) {
        skip_ws();
        value(depth);
        ++count;
        skip_ws();
        if (at_end()) fail("unexpected end of input", pos_);
        if (in_[pos_] == ',') { ++pos_; continue; }
        if (in_[pos_] == ']') { ++pos_; break; }
        fail("expected ',' or ']'", pos_);
      }
    }
    nodes_[self].count = count;
    nodes_[self].end = static_cast<std::uint32_t>(nodes_.size());
  }

  int hex4() {
    if (in_.size() - pos_ < 4) fail("truncated \\u escape", pos_);
    int v = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = in_[pos_++];
      v <<= 4;
      if (c >= '0' && c <= '9') v |= c - '0';
      else if (c >= 'a' && c <= 'f') v |= c - 'a' + 10;
      else if (c >= 'A' && c <= 'F') v |= c - 'A' + 10;
      else fail("bad \\u escape", pos_ - 1);
    }
    return v;
  }

  // One UTF-8 sequence starting at pos_ (lead byte >= 0x80), as Python's strict decoder
  // accepts it: no overlongs, no encoded surrogates, nothing above U+10FFFF.
  void utf8_sequence() {
    const unsigned char c = peek();
    std::size_t n;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) n = 1;
    else if (c == 0xE0) { n = 2; lo = 0xA0; }
    else if (c == 0xED) { n = 2; hi = 0x9F; }
    else if (c >= 0xE1 && c <= 0xEF) n = 2;
    else if (c == 0xF0) { n = 3; lo = 0x90; }
    else if (c >= 0xF1 && c <= 0xF3) n = 3;
    else if (c == 0xF4) { n = 3; hi = 0x8F; }
    else fail("invalid UTF-8", pos_);
    if (in_.size() - pos_ <= n) fail("truncated UTF-8", pos_);
    for (std::size_t i = 1; i <= n; ++i) {
      const unsigned char d = static_cast<unsigned char>(in_[pos_ + i]);
      if (d < (i == 1 ? lo : 0x80) || d > (i == 1 ? hi : 0xBF)) fail("invalid UTF-8", pos_ + i);
    }
    pos_ += n + 1;
  }

  void string() {
    const std::size_t start = ++pos_;
    // fast scan: no escapes; runs of plain ASCII are skipped a table lookup per byte
    const char* const base = in_.data();
    const std::size_t size = in_.size();
    for (;;) {
      std::size_t p = pos_;
      while (p < size && kPlainAscii.v[static_cast<unsigned char>(base[p])]) ++p;
      pos_ = p;
      if (at_end()) fail("unterminated string", start - 1);
      const unsigned char c = peek();
      if (c == '"') {
        const std::uint32_t i = add(Kind::String);
        nodes_[i].offset = start;
        nodes_[i].length = pos_ - start;
        ++pos_;
        return;
      }
      if (c == '\\') break;
      if (c < 0x20) fail("control character in string", pos_);
      if (c >= 0x80) utf8_sequence(); else ++pos_;
    }
    // slow path: decode into the document's buffer
    const std::size_t offset = strings_.size();
    strings_.append(in_.substr(start, pos_ - start));
    for (;;) {
      if (at_end()) fail("unterminated string", start - 1);
      const unsigned char c = peek();
      if (c == '"') break;
      if (c < 0x20) fail("control character in string", pos_);
      if (c >= 0x80) {
        const std::size_t from = pos_;
        utf8_sequence();
        strings_.append(in_.substr(from, pos_ - from));
        continue;
      }
      ++pos_;
      if (c != '\\') { strings_.push_back(static_cast<char>(c)); continue; }
      if (at_end()) fail("unterminated string", start - 1);
      const char e = in_[pos_++];
      switch (e) {
        case '"': strings_.push_back('"'); break;
        case '\\': strings_.push_back('\\'); break;
        case '/': strings_.push_back('/'); break;
        case 'b': strings_.push_back('\b'); break;
        case 'f': strings_.push_back('\f'); break;
        case 'n': strings_.push_back('\n'); break;
        case 'r': strings_.push_back('\r'); break;
        case 't': strings_.push_back('\t'); break;
        case 'u': {
          std::uint32_t cp = static_cast<std::uint32_t>(hex4());
          // a high surrogate followed by a low one is one code point (as Python pairs them)
          if (cp >= 0xD800 && cp <= 0xDBFF && in_.size() - pos_ >= 6 && in_[pos_] == '\\' &&
              in_[pos_ + 1] == 'u') {
            const std::size_t save = pos_;
            pos_ += 2;
            const std::uint32_t low = static_cast<std::uint32_t>(hex4());
            if (low >= 0xDC00 && low <= 0xDFFF) cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            else pos_ = save;
          }
          put_utf8(cp, strings_);
          break;
        }
        default: fail("bad escape", pos_ - 1);
      }
    }
    const std::uint32_t i = add(Kind::String);
    nodes_[i].escaped = true;
    nodes_[i].offset = offset;
    nodes_[i].length = strings_.size() - offset;
    ++pos_;
  }

  void digits() {
    const std::size_t from = pos_;
    while (!at_end() && peek() >= '0' && peek() <= '9') ++pos_;
    if (pos_ == from) fail("expected a digit", pos_);
  }

  void number() {
    // fast path: an int of at most 17 digits, no leading zero, not followed by more number
    {
      const char* const base = in_.data();
      const std::size_t size = in_.size();
      std::size_t p = pos_;
      const bool negative = p < size && base[p] == '-';
      if (negative) ++p;
      const std::size_t first = p;
      std::int64_t v = 0;
      while (p < size && p - first < 18 && base[p] >= '0' && base[p] <= '9') {
        v = v * 10 + (base[p] - '0');
        ++p;
      }
      const std::size_t n = p - first;
      const bool ends = p >= size || (base[p] != '.' && base[p] != 'e' && base[p] != 'E' &&
                                      (base[p] < '0' || base[p] > '9'));
      if (n > 0 && n < 18 && (n == 1 || base[first] != '0') && ends) {
        pos_ = p;
        const std::uint32_t i = add(Kind::Int);
        nodes_[i].integer = negative ? -v : v;
        return;
      }
    }
    const std::size_t start = pos_;
    if (!at_end() && in_[pos_] == '-') ++pos_;
    if (at_end()) fail("unexpected end of input", pos_);
    if (in_[pos_] == '0') ++pos_;
    else if (peek() >= '1' && peek() <= '9') digits();
    else fail("unexpected character", pos_);
    bool is_float = false;
    if (!at_end() && in_[pos_] == '.') { ++pos_; digits(); is_float = true; }
    if (!at_end() && (in_[pos_] == 'e' || in_[pos_] == 'E')) {
      ++pos_;
      if (!at_end() && (in_[pos_] == '+' || in_[pos_] == '-')) ++pos_;
      digits();
      is_float = true;
    }
    const std::size_t length = pos_ - start;
    if (length > limits_.max_number_chars) fail("number literal too long", start);
    const std::string_view text = in_.substr(start, length);
    if (!is_float) {
      std::int64_t v = 0;
      const auto r = std::from_chars(text.data(), text.data() + text.size(), v);
      if (r.ec == std::errc() && r.ptr == text.data() + text.size()) {
        const std::uint32_t i = add(Kind::Int);
        nodes_[i].integer = v;
        return;
      }
    }
    const std::uint32_t i = add(is_float ? Kind::Float : Kind::BigInt);
    nodes_[i].offset = start;
    nodes_[i].length = length;
  }
};

constexpr char kAlphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

struct DecodeTable {
  signed char v[256];
  DecodeTable() {
    for (auto& x : v) x = -1;
    for (int i = 0; i < 64; ++i) v[static_cast<unsigned char>(kAlphabet[i])] = static_cast<signed char>(i);
  }
};
const DecodeTable kDecode;

std::uint32_t le32(const char* p) {
  std::uint32_t v;
  std::memcpy(&v, p, 4);  // the blob format is little-endian, as are the supported hosts
  return v;
}

}  // namespace

Document::Document(std::string_view input, const Limits& limits) : input_(input) {
  nodes_.reserve(input.size() / 8 + 4);
  Parser(input, limits, strings_, nodes_).document();
}

bool base64_decode_strict(std::string_view text, std::string& out) {
  const std::size_t n = text.size();
  if (n % 4 != 0) return false;
  std::size_t pad = 0;
  if (n >= 1 && text[n - 1] == '=') pad = 1;
  if (n >= 2 && text[n - 2] == '=') pad = 2;
  const std::size_t base = out.size();
  out.resize(base + n / 4 * 3 - pad);
  char* o = &out[base];
  for (std::size_t i = 0; i < n; i += 4) {
    const bool last = i + 4 == n;
    const int a = kDecode.v[static_cast<unsigned char>(text[i])];
    const int b = kDecode.v[static_cast<unsigned char>(text[i + 1])];
    const int c = last && pad == 2 ? 0 : kDecode.v[static_cast<unsigned char>(text[i + 2])];
    const int d = last && pad >= 1 ? 0 : kDecode.v[static_cast<unsigned char>(text[i + 3])];
    if ((a | b | c | d) < 0) {
      out.resize(base);
      return false;
    }
    const std::uint32_t v = (static_cast<std::uint32_t>(a) << 18) | (b << 12) | (c << 6) | d;
    *o++ = static_cast<char>(v >> 16);
    if (!(last && pad == 2)) *o++ = static_cast<char>((v >> 8) & 0xFF);
    if (!(last && pad >= 1)) *o++ = static_cast<char>(v & 0xFF);
  }
  return true;
}

void base64_append(std::string_view bytes, std::string& out) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  std::size_t n = bytes.size();
  const std::size_t base = out.size();
  out.resize(base + (n + 2) / 3 * 4);
  char* o = &out[base];
  for (; n >= 3; n -= 3, p += 3) {
    const std::uint32_t v = (p[0] << 16) | (p[1] << 8) | p[2];
    *o++ = kAlphabet[v >> 18];
    *o++ = kAlphabet[(v >> 12) & 63];
    *o++ = kAlphabet[(v >> 6) & 63];
    *o++ = kAlphabet[v & 63];
  }
  if (n > 0) {
    const std::uint32_t v = (p[0] << 16) | (n == 2 ? p[1] << 8 : 0);
    *o++ = kAlphabet[v >> 18];
    *o++ = kAlphabet[(v >> 12) & 63];
    *o++ = n == 2 ? kAlphabet[(v >> 6) & 63] : '=';
    *o++ = '=';
  }
}

void json_string_append(std::string_view text, std::string& out) {
  static const char kHex[] = "0123456789abcdef";
  out.push_back('"');
  std::size_t run = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(text.substr(run, i - run));
    run = i + 1;
    switch (c) {
      case '"': out.append("\\\""); break;
      case '\\': out.append("\\\\"); break;
      case '\n': out.append("\\n"); break;
      case '\r': out.append("\\r"); break;
      case '\t': out.append("\\t"); break;
      case '\b': out.append("\\b"); break;
      case '\f': out.append("\\f"); break;
      default:
        out.append("\\u00");
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 15]);
    }
  }
  out.append(text.substr(run));
  out.push_back('"');
}

NumberForm number_form(std::string_view t, std::int64_t& value) {
  std::size_t i = 0;
  const std::size_t n = t.size();
  if (i < n && t[i] == '-') ++i;
  const std::size_t int_start = i;
  while (i < n && t[i] >= '0' && t[i] <= '9') ++i;
  const std::size_t int_digits = i - int_start;
  if (i == n) {
    if (int_digits == 0 || int_digits > 18) return NumberForm::Other;
    const auto r = std::from_chars(t.data(), t.data() + n, value);
    return r.ec == std::errc() ? NumberForm::Int : NumberForm::Other;
  }
  if (int_digits == 0) return NumberForm::Other;
  if (t[i] == '.') {
    ++i;
    const std::size_t from = i;
    while (i < n && t[i] >= '0' && t[i] <= '9') ++i;
    if (i == from) return NumberForm::Other;
  }
  if (i < n && (t[i] == 'e' || t[i] == 'E')) {
    ++i;
    if (i < n && (t[i] == '+' || t[i] == '-')) ++i;
    const std::size_t from = i;
    while (i < n && t[i] >= '0' && t[i] <= '9') ++i;
    if (i == from) return NumberForm::Other;
  }
  return i == n && n <= 64 ? NumberForm::Float : NumberForm::Other;
}

ArrayKind array_blob(std::string_view data, std::size_t& count) {
  constexpr std::uint32_t kMagic = 11223344, kVersion = 1, kInt = 259, kDouble = 261;
  if (data.size() < 16) return ArrayKind::None;
  const char* p = data.data();
  const std::uint32_t size = le32(p + 8), kind = le32(p + 12);
  if (le32(p) != kMagic || le32(p + 4) != kVersion || (kind != kInt && kind != kDouble) ||
      size % 8 != 0 || data.size() != 16 + static_cast<std::size_t>(size)) {
    return ArrayKind::None;
  }
  count = size / 8;
  return kind == kDouble ? ArrayKind::Double : ArrayKind::Int64;
}

}  // namespace storewire::v3io
