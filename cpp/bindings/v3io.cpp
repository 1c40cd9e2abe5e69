// storewire._native.v3io: V3IO JSON bodies <-> Python values, the per-item work of the
// v3io client (typed attributes, base64 blobs, numbers, stream records) done in C++.
//
// Decoders take the fast path only for the canonical forms a V3IO server sends; any other
// shape is handed, as plain JSON values, to the Python callable the caller passes (the
// reference decoder in v3io/dataplane/validate.py), so results and error messages stay
// exactly the Python decoder's. Encoders return None for inputs they do not cover, and the
// caller then encodes in Python. Malformed JSON raises ProtocolError (kind "protocol").
#include <pybind11/pybind11.h>

#include <algorithm>
#include <cstring>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "errors.h"
#include "init.h"
#include "v3io/json.h"

namespace py = pybind11;
using namespace storewire;
using namespace storewire::v3io;

namespace {

constexpr Py_ssize_t kMaxStringChars = 61199;  // as v3io/dataplane/typed.py
constexpr int kMaxEncodeDepth = 32;

py::object steal(PyObject* o) {
  if (o == nullptr) throw py::error_already_set();
  return py::reinterpret_steal<py::object>(o);
}

class Reader {
 public:
  explicit Reader(const Document& doc) : doc_(doc), nodes_(doc.nodes()) {}

  // Any node as its plain Python value (what json.loads gives).
  py::object plain(std::uint32_t i) const {
    const Node& n = nodes_[i];
    switch (n.kind) {
      case Kind::Null: return py::none();
      case Kind::True: return py::bool_(true);
      case Kind::False: return py::bool_(false);
      case Kind::Int: return steal(PyLong_FromLongLong(n.integer));
      case Kind::BigInt: {
        const std::string text(doc_.text(n));
        return steal(PyLong_FromString(text.c_str(), nullptr, 10));
      }
      case Kind::Float: return steal(PyFloat_FromDouble(to_double(doc_.text(n))));
      case Kind::String: return str(n);
      case Kind::Array: {
        py::object list = steal(PyList_New(n.count));
        std::uint32_t j = i + 1;
        for (std::uint32_t k = 0; k < n.count; ++k, j = doc_.next(j)) {
          PyList_SET_ITEM(list.ptr(), k, plain(j).release().ptr());
        }
        return list;
      }
      case Kind::Object: {
        py::object dict = steal(PyDict_New());
        std::uint32_t j = i + 1;
        for (std::uint32_t k = 0; k < n.count; ++k) {
          py::object key = str(nodes_[j]);
          py::object value = plain(j + 1);
          if (PyDict_SetItem(dict.ptr(), key.ptr(), value.ptr()) != 0) throw py::error_already_set();
          j = doc_.next(j + 1);
        }
        return dict;
      }
    }
    return py::none();
  }

  py::object str(const Node& n) const {
    const std::string_view t = doc_.text(n);
    // escaped text may hold lone surrogates (from \u escapes), as Python's json keeps them
    return steal(PyUnicode_DecodeUTF8(t.data(), static_cast<Py_ssize_t>(t.size()),
                                      n.escaped ? "surrogatepass" : "strict"));
  }

  static double to_double(std::string_view text) {
    const std::string copy(text);
    const double d = PyOS_string_to_double(copy.c_str(), nullptr, nullptr);
    if (d == -1.0 && PyErr_Occurred()) throw py::error_already_set();
    return d;
  }

  // One typed attribute value {"<type>": <value>} at node i; `where` names it for the
  // reference decoder when the value is not in a canonical form.
  template <typename Where>
  py::object typed(std::uint32_t i, const py::object& fallback, Where where) const {
    const Node& n = nodes_[i];
    if (n.kind == Kind::Object && n.count == 1) {
      const std::string_view type = doc_.text(nodes_[i + 1]);
      const Node& v = nodes_[i + 2];
      if (type.size() == 1 && type[0] == 'S' && v.kind == Kind::String) return str(v);
      if (type.size() == 1 && type[0] == 'N' && v.kind == Kind::String) {
        std::int64_t value = 0;
        switch (number_form(doc_.text(v), value)) {
          case NumberForm::Int: return steal(PyLong_FromLongLong(value));
          case NumberForm::Float: return steal(PyFloat_FromDouble(to_double(doc_.text(v))));
          case NumberForm::Other: break;
        }
      } else if (type == "BOOL" && (v.kind == Kind::True || v.kind == Kind::False)) {
        return py::bool_(v.kind == Kind::True);
      } else if (type.size() == 1 && type[0] == 'B' && v.kind == Kind::String) {
        std::string data;
        if (base64_decode_strict(doc_.text(v), data)) return blob(data);
      }
    }
    return fallback(plain(i), where());
  }

  static py::object blob(const std::string& data) {
    std::size_t count = 0;
    const ArrayKind kind = array_blob(data, count);
    if (kind == ArrayKind::None) {
      return steal(PyBytes_FromStringAndSize(data.data(), static_cast<Py_ssize_t>(data.size())));
    }
    py::object list = steal(PyList_New(static_cast<Py_ssize_t>(count)));
    const char* p = data.data() + 16;
    for (std::size_t k = 0; k < count; ++k, p += 8) {
      PyObject* item;
      if (kind == ArrayKind::Double) {
        double d;
        std::memcpy(&d, p, 8);
        item = PyFloat_FromDouble(d);
      } else {
        std::int64_t v;
        std::memcpy(&v, p, 8);
        item = PyLong_FromLongLong(v);
      }
      if (item == nullptr) throw py::error_already_set();
      PyList_SET_ITEM(list.ptr(), static_cast<Py_ssize_t>(k), item);
    }
    return list;
  }

  // An attribute name: items of one answer repeat the same names, so each is made once
  // (and its hash computed once) per body.
  py::object name(const Node& n) const {
    const std::string_view t = doc_.text(n);
    if (t.size() > kMaxCachedName) return str(n);
    auto found = names_.find(t);
    if (found != names_.end()) return found->second;
    py::object s = str(n);
    if (names_.size() < kMaxCachedNames) names_.emplace(t, s);
    return s;
  }

  // An item's attributes at object node i. `where` is the item's place ("GetItem: Item",
  // "GetItems: Items[3]"), formatted only when a value needs the reference decoder.
  template <typename Where>
  py::object attributes(std::uint32_t i, const py::object& fallback, Where where) const {
    const Node& n = nodes_[i];
    py::object dict = steal(PyDict_New());
    std::uint32_t j = i + 1;
    for (std::uint32_t k = 0; k < n.count; ++k) {
      py::object name = this->name(nodes_[j]);
      py::object value = typed(j + 1, fallback, [&] {
        return steal(PyUnicode_FromFormat("%U.%U", where().ptr(), name.ptr()));
      });
      if (PyDict_SetItem(dict.ptr(), name.ptr(), value.ptr()) != 0) throw py::error_already_set();
      j = doc_.next(j + 1);
    }
    return dict;
  }

  const Document& doc() const { return doc_; }
  const std::vector<Node>& nodes() const { return nodes_; }

 private:
  static constexpr std::size_t kMaxCachedName = 64;
  static constexpr std::size_t kMaxCachedNames = 1024;
  const Document& doc_;
  const std::vector<Node>& nodes_;
  mutable std::unordered_map<std::string_view, py::object> names_;
};

std::string_view bytes_view(const py::handle& body, std::unique_ptr<bindings::HeldBuffer>& held) {
  if (PyBytes_Check(body.ptr())) {
    return {PyBytes_AS_STRING(body.ptr()), static_cast<std::size_t>(PyBytes_GET_SIZE(body.ptr()))};
  }
  held = std::make_unique<bindings::HeldBuffer>(py::reinterpret_borrow<py::object>(body), false);
  return {held->data(), held->size()};
}

// The top-level object with member `field` turned by `convert(value node)`; a body that is
// not an object comes back as its plain value (the caller reports it).
template <typename Convert>
py::object decode_top(const Reader& r, const std::string& field, Convert convert) {
  const auto& nodes = r.nodes();
  if (nodes[0].kind != Kind::Object) return r.plain(0);
  py::object dict = steal(PyDict_New());
  std::uint32_t j = 1;
  for (std::uint32_t k = 0; k < nodes[0].count; ++k) {
    py::object key = r.str(nodes[j]);
    py::object value = r.doc().text(nodes[j]) == field ? convert(j + 1) : r.plain(j + 1);
    if (PyDict_SetItem(dict.ptr(), key.ptr(), value.ptr()) != 0) throw py::error_already_set();
    j = r.doc().next(j + 1);
  }
  return dict;
}

py::object decode_json(const py::object& body) {
  std::unique_ptr<bindings::HeldBuffer> held;
  const Document doc(bytes_view(body, held));
  return Reader(doc).plain(0);
}

py::object decode_items(const py::object& body, const std::string& field, const py::str& where,
                        const py::object& typed_value) {
  std::unique_ptr<bindings::HeldBuffer> held;
  const Document doc(bytes_view(body, held));
  const Reader r(doc);
  const auto& nodes = doc.nodes();
  return decode_top(r, field, [&](std::uint32_t v) -> py::object {
    const Node& n = nodes[v];
    if (n.kind == Kind::Object) return r.attributes(v, typed_value, [&] { return py::object(where); });
    if (n.kind != Kind::Array) return r.plain(v);
    py::object list = steal(PyList_New(n.count));
    std::uint32_t j = v + 1;
    for (Py_ssize_t k = 0; k < static_cast<Py_ssize_t>(n.count); ++k, j = doc.next(j)) {
      py::object item = nodes[j].kind == Kind::Object
          ? r.attributes(j, typed_value, [&] {
              return steal(PyUnicode_FromFormat("%U[%zd]", where.ptr(), k));
            })
          : r.plain(j);
      PyList_SET_ITEM(list.ptr(), k, item.release().ptr());
    }
    return list;
  });
}

const py::object& empty_tuple() {
  static const py::object* const empty = new py::object(steal(PyTuple_New(0)));  // never freed
  return *empty;
}

// One field of a record class: JSON member, attribute, kind and (for ints) the range.
struct Field {
  std::string json;
  py::object attr;
  char kind;  // i: int in range, e: any int, s: str, b: blob (required), B: blob (optional)
  std::int64_t low, high;
};

constexpr std::size_t kMaxFields = 8;

// Where each field's value sits in record object i (0: absent), when every field is in
// its canonical form (kind and range; blobs are checked when decoded); false otherwise,
// and the caller then runs the class's own checks.
// Records of one answer list their members in the same order: the field that matched
// the member at each position is tried first for the next record.
struct FieldGuess {
  static constexpr std::size_t kPositions = 16;
  std::uint8_t at[kPositions];
  FieldGuess() { std::fill(std::begin(at), std::end(at), std::uint8_t{0xFF}); }
};

// Which field member `key` (at position k of its record) is; fields.size() for none.
std::size_t field_of(std::string_view key, std::uint32_t k, const std::vector<Field>& fields,
                     FieldGuess& guess) {
  const std::size_t g = k < FieldGuess::kPositions ? guess.at[k] : 0xFF;
  if (g < fields.size() && fields[g].json == key) return g;
  std::size_t f = 0;
  while (f < fields.size() && fields[f].json != key) ++f;
  if (k < FieldGuess::kPositions) guess.at[k] = static_cast<std::uint8_t>(f);
  return f;
}

bool canonical_record(const Reader& r, std::uint32_t i, const std::vector<Field>& fields,
                      std::uint32_t (&at)[kMaxFields], FieldGuess& guess) {
  const auto& nodes = r.nodes();
  std::fill(std::begin(at), std::end(at), 0u);
  std::uint32_t j = i + 1;
  for (std::uint32_t k = 0; k < nodes[i].count; ++k, j = r.doc().next(j + 1)) {
    const std::size_t f = field_of(r.doc().text(nodes[j]), k, fields, guess);
    if (f == fields.size()) continue;
    if (at[f] != 0) return false;  // a repeated member: let Python's rules decide
    at[f] = j + 1;
    const Node& v = nodes[j + 1];
    if (v.kind == Kind::Null) {
      if (fields[f].kind == 'b') return false;
      continue;
    }
    switch (fields[f].kind) {
      case 'i':
        if (v.kind != Kind::Int || v.integer < fields[f].low || v.integer > fields[f].high) {
          return false;
        }
        break;
      case 'e':
        if (v.kind != Kind::Int) return false;
        break;
      default:  // s, b, B
        if (v.kind != Kind::String) return false;
    }
  }
  for (std::size_t f = 0; f < fields.size(); ++f) {
    if (at[f] == 0 && fields[f].kind == 'b') return false;
  }
  return true;
}

// Values repeated from one record to the next (arrival times, shard ids, partition keys)
// are made once: the last int of each field is kept, strings go through the name cache.
struct RecordCache {
  std::int64_t last_int[kMaxFields] = {};
  py::object last_obj[kMaxFields];
  std::string scratch;  // base64 output, reused
  FieldGuess guess;
};

// A record object at node i as an instance of cls, or None when a field is not in its
// canonical form (the caller then runs the class's own checks).
py::object fast_record(const Reader& r, std::uint32_t i, const py::handle& cls,
                       const std::vector<Field>& fields, RecordCache& cache) {
  std::uint32_t at[kMaxFields];
  if (!canonical_record(r, i, fields, at, cache.guess)) return py::none();
  const auto& nodes = r.nodes();
  PyObject* values[kMaxFields] = {};  // borrowed from `owned` or the cache
  py::object owned[kMaxFields];
  for (std::size_t f = 0; f < fields.size(); ++f) {
    if (at[f] == 0 || nodes[at[f]].kind == Kind::Null) {
      values[f] = Py_None;
      continue;
    }
    const Node& v = nodes[at[f]];
    switch (fields[f].kind) {
      case 'i':
      case 'e':
        if (!cache.last_obj[f] || cache.last_int[f] != v.integer) {
          cache.last_obj[f] = steal(PyLong_FromLongLong(v.integer));
          cache.last_int[f] = v.integer;
        }
        values[f] = cache.last_obj[f].ptr();
        break;
      case 's':
        owned[f] = r.name(v);
        values[f] = owned[f].ptr();
        break;
      default:  // b, B
        cache.scratch.clear();
        if (!base64_decode_strict(r.doc().text(v), cache.scratch)) return py::none();
        owned[f] = steal(PyBytes_FromStringAndSize(
            cache.scratch.data(), static_cast<Py_ssize_t>(cache.scratch.size())));
        values[f] = owned[f].ptr();
    }
  }
  // setattr in the order __init__ uses: instances then share their class's key layout
  auto* type = reinterpret_cast<PyTypeObject*>(cls.ptr());
  py::object obj = steal(type->tp_new(type, empty_tuple().ptr(), nullptr));
  // a plain class stores straight into the instance (PyObject_SetAttr re-interns names)
  const auto set = type->tp_setattro == PyObject_GenericSetAttr ? PyObject_GenericSetAttr
                                                                 : PyObject_SetAttr;
  for (std::size_t f = 0; f < fields.size(); ++f) {
    if (set(obj.ptr(), fields[f].attr.ptr(), values[f]) != 0) {
      throw py::error_already_set();
    }
  }
  // Its attributes are ints, str, bytes and None, which cannot form a cycle: left tracked,
  // the 1,000 records of an answer made the young-generation collections walk them all
  // (Python untracks tuples and dicts of atoms alike). The cost: a cycle built later
  // through such a record (an attribute set to a container referring back) is never
  // collected.
  if (set == PyObject_GenericSetAttr && PyObject_GC_IsTracked(obj.ptr())) {
    PyObject_GC_UnTrack(obj.ptr());
  }
  return obj;
}

std::vector<Field> record_fields(const py::list& spec) {
  std::vector<Field> fields;
  for (const auto& entry : spec) {
    auto t = py::reinterpret_borrow<py::tuple>(entry);
    const std::string kind = t[2].cast<std::string>();
    PyObject* attr = t[1].ptr();
    if (!PyUnicode_CheckExact(attr)) throw py::type_error("attribute names must be str");
    fields.push_back(Field{t[0].cast<std::string>(), py::reinterpret_borrow<py::object>(attr),
                           kind.empty() ? 's' : kind[0], t[3].cast<std::int64_t>(),
                           t[4].cast<std::int64_t>()});
  }
  if (fields.size() > kMaxFields) throw py::value_error("too many record fields");
  return fields;
}

py::object decode_records(const py::object& body, const std::string& field, const py::str& where,
                          const py::object& cls, const py::list& spec) {
  if (!PyType_Check(cls.ptr())) throw py::type_error("cls must be a class");
  const std::vector<Field> fields = record_fields(spec);
  std::unique_ptr<bindings::HeldBuffer> held;
  const Document doc(bytes_view(body, held));
  const Reader r(doc);
  const auto& nodes = doc.nodes();
  RecordCache cache;
  return decode_top(r, field, [&](std::uint32_t v) -> py::object {
    const Node& n = nodes[v];
    if (n.kind != Kind::Array) return r.plain(v);
    py::object list = steal(PyList_New(n.count));
    std::uint32_t j = v + 1;
    for (Py_ssize_t k = 0; k < static_cast<Py_ssize_t>(n.count); ++k, j = doc.next(j)) {
      py::object item;
      if (nodes[j].kind == Kind::Object) {
        item = fast_record(r, j, cls, fields, cache);
        if (item.is_none()) {  // the class's own checks: the exact result or error
          item = cls(r.plain(j), steal(PyUnicode_FromFormat("%U[%zd]", where.ptr(), k)));
        }
      } else {
        item = r.plain(j);
      }
      PyList_SET_ITEM(list.ptr(), k, item.release().ptr());
    }
    return list;
  });
}

// A PutRecords answer checked without building its records: (record count, indices of
// the records with an ErrorCode, FailedRecordCount or None) when the body is an object
// whose members are in canonical form: "Records" a list of records canonical for
// `spec` (the PutRecordsResult fields; `error` names the ErrorCode field) and
// "FailedRecordCount" null or an int in 0..count (0..2**31 when there are none), each at
// most once. Anything else is None: the caller parses the body, which gives the error.
py::object records_summary(const py::object& body, const py::list& spec,
                           const std::string& error) {
  const std::vector<Field> fields = record_fields(spec);
  std::size_t error_field = fields.size();
  for (std::size_t f = 0; f < fields.size(); ++f) {
    if (fields[f].json == error) error_field = f;
  }
  if (error_field == fields.size()) throw py::value_error("error field not in spec");
  std::unique_ptr<bindings::HeldBuffer> held;
  const Document doc(bytes_view(body, held));
  const Reader r(doc);
  const auto& nodes = doc.nodes();
  if (nodes[0].kind != Kind::Object) return py::none();
  std::uint32_t records = 0, failed_count = 0;
  std::uint32_t j = 1;
  for (std::uint32_t k = 0; k < nodes[0].count; ++k, j = doc.next(j + 1)) {
    const std::string_view key = doc.text(nodes[j]);
    if (key == "Records") {
      if (records != 0 || nodes[j + 1].kind != Kind::Array) return py::none();
      records = j + 1;
    } else if (key == "FailedRecordCount") {
      if (failed_count != 0) return py::none();
      const Kind kind = nodes[j + 1].kind;
      if (kind != Kind::Int && kind != Kind::Null) return py::none();
      failed_count = j + 1;
    }
  }
  if (records == 0) return py::none();
  const std::uint32_t count = nodes[records].count;
  py::object failed = steal(PyList_New(0));
  std::uint32_t at[kMaxFields];
  FieldGuess guess;
  std::uint32_t i = records + 1;
  for (std::uint32_t k = 0; k < count; ++k, i = doc.next(i)) {
    if (nodes[i].kind != Kind::Object || !canonical_record(r, i, fields, at, guess)) {
      return py::none();
    }
    const std::uint32_t e = at[error_field];
    if (e != 0 && nodes[e].kind != Kind::Null) {
      py::object index = steal(PyLong_FromUnsignedLong(k));
      if (PyList_Append(failed.ptr(), index.ptr()) != 0) throw py::error_already_set();
    }
  }
  py::object reported = py::none();
  if (failed_count != 0 && nodes[failed_count].kind == Kind::Int) {
    const std::int64_t value = nodes[failed_count].integer;
    const std::int64_t high = count ? static_cast<std::int64_t>(count) : (std::int64_t{1} << 31);
    if (value < 0 || value > high) return py::none();
    reported = steal(PyLong_FromLongLong(value));
  }
  return py::make_tuple(count, failed, reported);
}

// --- encoders -------------------------------------------------------------------------

bool utf8_of(PyObject* s, std::string_view& out) {
  Py_ssize_t size = 0;
  const char* data = PyUnicode_AsUTF8AndSize(s, &size);
  if (data == nullptr) throw py::error_already_set();  // lone surrogate: as .encode() fails
  out = {data, static_cast<std::size_t>(size)};
  return true;
}

void append_str(PyObject* s, std::string& out) {
  std::string_view text;
  utf8_of(s, text);
  json_string_append(text, out);
}

void append_int(PyObject* v, std::string& out) {
  int overflow = 0;
  const long long x = PyLong_AsLongLongAndOverflow(v, &overflow);
  if (overflow == 0) {
    if (x == -1 && PyErr_Occurred()) throw py::error_already_set();
    out += std::to_string(x);
    return;
  }
  py::object text = steal(PyObject_Str(v));
  std::string_view t;
  utf8_of(text.ptr(), t);
  out.append(t);
}

bool append_float_repr(PyObject* v, std::string& out) {
  char* text = PyOS_double_to_string(PyFloat_AS_DOUBLE(v), 'r', 0, Py_DTSF_ADD_DOT_0, nullptr);
  if (text == nullptr) throw py::error_already_set();
  out.append(text);
  PyMem_Free(text);
  return true;
}

bool append_bytes_b64(PyObject* v, std::string& out) {
  if (PyBytes_CheckExact(v)) {
    base64_append({PyBytes_AS_STRING(v), static_cast<std::size_t>(PyBytes_GET_SIZE(v))}, out);
    return true;
  }
  if (PyByteArray_CheckExact(v)) {
    base64_append({PyByteArray_AS_STRING(v), static_cast<std::size_t>(PyByteArray_GET_SIZE(v))},
                  out);
    return true;
  }
  return false;
}

// One attribute value as {"<type>": ...}; false: the caller falls back to Python.
bool append_typed(PyObject* v, const py::object& encode_value, std::string& out) {
  if (PyUnicode_CheckExact(v) && PyUnicode_GET_LENGTH(v) <= kMaxStringChars) {
    out += "{\"S\":";
    append_str(v, out);
  } else if (PyBool_Check(v)) {
    out += v == Py_True ? "{\"BOOL\":true" : "{\"BOOL\":false";
  } else if (PyLong_CheckExact(v)) {
    out += "{\"N\":\"";
    append_int(v, out);
    out += '"';
  } else if (PyFloat_CheckExact(v)) {
    out += "{\"N\":\"";
    append_float_repr(v, out);
    out += '"';
  } else if (PyBytes_CheckExact(v) || PyByteArray_CheckExact(v)) {
    out += "{\"B\":\"";
    append_bytes_b64(v, out);
    out += '"';
  } else {
    // arrays, datetimes, memoryviews, long strings: the Python encoder (or its error)
    py::object typed = encode_value(py::handle(v));
    if (!PyDict_CheckExact(typed.ptr()) || PyDict_GET_SIZE(typed.ptr()) != 1) return false;
    PyObject *key, *value;
    Py_ssize_t pos = 0;
    PyDict_Next(typed.ptr(), &pos, &key, &value);
    if (!PyUnicode_CheckExact(key) || !PyUnicode_CheckExact(value)) return false;
    out += '{';
    append_str(key, out);
    out += ':';
    append_str(value, out);
  }
  out += '}';
  return true;
}

py::object to_bytes(const std::string& s) {
  return steal(PyBytes_FromStringAndSize(s.data(), static_cast<Py_ssize_t>(s.size())));
}

py::object encode_item(const py::handle& attributes, const py::handle& condition,
                       const py::handle& update_mode, const py::object& encode_value) {
  if (!PyDict_CheckExact(attributes.ptr())) return py::none();
  std::string out = "{\"Item\":{";
  PyObject *key, *value;
  Py_ssize_t pos = 0;
  bool first = true;
  while (PyDict_Next(attributes.ptr(), &pos, &key, &value)) {
    if (!PyUnicode_CheckExact(key)) return py::none();
    if (!first) out += ',';
    first = false;
    append_str(key, out);
    out += ':';
    py::object hold = py::reinterpret_borrow<py::object>(value);  // the dict may change
    if (!append_typed(value, encode_value, out)) return py::none();
  }
  out += '}';
  const std::pair<const py::handle*, const char*> extras[] = {
      {&condition, ",\"ConditionExpression\":"}, {&update_mode, ",\"UpdateMode\":"}};
  for (const auto& [obj, name] : extras) {
    const int truthy = PyObject_IsTrue(obj->ptr());
    if (truthy < 0) throw py::error_already_set();
    if (!truthy) continue;
    if (!PyUnicode_CheckExact(obj->ptr())) return py::none();
    out += name;
    append_str(obj->ptr(), out);
  }
  out += '}';
  return to_bytes(out);
}

bool append_data_b64(PyObject* v, std::string& out) {
  if (PyUnicode_CheckExact(v)) {
    std::string_view text;
    utf8_of(v, text);
    out += '"';
    base64_append(text, out);
    out += '"';
    return true;
  }
  out += '"';
  if (!append_bytes_b64(v, out)) return false;
  out += '"';
  return true;
}

// Which record member `key` is (0 data, 1 client_info, 2 shard_id, 3 partition_key), or
// -1 for another str; -2 for a key that is not an exact str (Python then encodes).
int record_member(PyObject* key, PyObject* const (&names)[4]) {
  for (int m = 0; m < 4; ++m) {
    if (key == names[m]) return m;  // the usual case: both interned
  }
  if (!PyUnicode_CheckExact(key)) return -2;
  for (int m = 0; m < 4; ++m) {
    if (PyUnicode_Compare(key, names[m]) == 0) return m;
  }
  return -1;
}

py::object encode_records(const py::handle& records) {
  if (!PyList_CheckExact(records.ptr())) return py::none();
  static PyObject* const kNames[4] = {
      PyUnicode_InternFromString("data"), PyUnicode_InternFromString("client_info"),
      PyUnicode_InternFromString("shard_id"), PyUnicode_InternFromString("partition_key")};
  std::string out = "{\"Records\":[";
  const Py_ssize_t n = PyList_GET_SIZE(records.ptr());
  out.reserve(static_cast<std::size_t>(n) * 64 + 16);
  for (Py_ssize_t i = 0; i < n; ++i) {
    PyObject* record = PyList_GET_ITEM(records.ptr(), i);
    if (!PyDict_CheckExact(record)) return py::none();
    // one pass over the record's members instead of a lookup per member name
    PyObject* members[4] = {};
    PyObject *key, *value;
    Py_ssize_t pos = 0;
    while (PyDict_Next(record, &pos, &key, &value)) {
      const int m = record_member(key, kNames);
      if (m == -2) return py::none();
      if (m >= 0) members[m] = value;
    }
    py::object hold = py::reinterpret_borrow<py::object>(record);  // values stay alive
    PyObject* const data = members[0];
    if (data == nullptr) return py::none();  // Python raises the KeyError
    if (i) out += ',';
    out += "{\"Data\":";
    if (!append_data_b64(data, out)) return py::none();
    PyObject* const info = members[1];
    if (info != nullptr && info != Py_None) {
      out += ",\"ClientInfo\":";
      if (!append_data_b64(info, out)) return py::none();
    }
    PyObject* const shard = members[2];
    if (shard != nullptr && shard != Py_None) {
      if (!PyLong_CheckExact(shard)) return py::none();
      out += ",\"ShardId\":";
      append_int(shard, out);
    }
    PyObject* const pkey = members[3];
    if (pkey != nullptr && pkey != Py_None) {
      if (!PyUnicode_CheckExact(pkey)) return py::none();
      out += ",\"PartitionKey\":";
      append_str(pkey, out);
    }
    out += '}';
  }
  out += "]}";
  return to_bytes(out);
}

// Plain JSON (dict with str keys, list, str, int, bool, None, finite float) as Python's
// compact json.dumps(ensure_ascii=False) writes it; false for anything else.
bool append_plain(PyObject* v, std::string& out, int depth) {
  if (depth > kMaxEncodeDepth) return false;
  if (PyUnicode_CheckExact(v)) { append_str(v, out); return true; }
  if (v == Py_None) { out += "null"; return true; }
  if (PyBool_Check(v)) { out += v == Py_True ? "true" : "false"; return true; }
  if (PyLong_CheckExact(v)) { append_int(v, out); return true; }
  if (PyFloat_CheckExact(v)) {
    const double d = PyFloat_AS_DOUBLE(v);
    if (d != d || d - d != 0) return false;  // NaN/Infinity: Python's own spelling
    return append_float_repr(v, out);
  }
  if (PyList_CheckExact(v)) {
    py::object hold = py::reinterpret_borrow<py::object>(v);
    out += '[';
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(v); ++i) {
      if (i) out += ',';
      if (!append_plain(PyList_GET_ITEM(v, i), out, depth + 1)) return false;
    }
    out += ']';
    return true;
  }
  if (PyDict_CheckExact(v)) {
    py::object hold = py::reinterpret_borrow<py::object>(v);
    out += '{';
    PyObject *key, *value;
    Py_ssize_t pos = 0;
    bool first = true;
    while (PyDict_Next(v, &pos, &key, &value)) {
      if (!PyUnicode_CheckExact(key)) return false;
      if (!first) out += ',';
      first = false;
      append_str(key, out);
      out += ':';
      if (!append_plain(value, out, depth + 1)) return false;
    }
    out += '}';
    return true;
  }
  return false;
}

py::object encode_json(const py::handle& value) {
  std::string out;
  if (!append_plain(value.ptr(), out, 0)) return py::none();
  return to_bytes(out);
}

}  // namespace

void init_v3io(py::module_& m) {
  m.def("decode_json", &decode_json, py::arg("body"),
        "A JSON body as plain Python values (what json.loads gives); malformed or too "
        "deeply nested JSON raises ProtocolError.");
  m.def("decode_items", &decode_items, py::arg("body"), py::arg("field"), py::arg("where"),
        py::arg("typed_value"),
        "A JSON object body with member ``field`` decoded as typed attributes: an object is "
        "one item, a list holds items (non-object entries stay plain). Values not in a "
        "canonical form go to ``typed_value(value, where)``. A body that is not an object "
        "comes back as its plain value. Malformed JSON raises ProtocolError.");
  m.def("decode_records", &decode_records, py::arg("body"), py::arg("field"), py::arg("where"),
        py::arg("cls"), py::arg("fields"),
        "A JSON object body whose list member ``field`` holds records made into ``cls`` "
        "instances by ``fields`` [(json name, attribute, kind, low, high)]; a record not in "
        "canonical form is built as ``cls(record, where[i])``.");
  m.def("records_summary", &records_summary, py::arg("body"), py::arg("fields"),
        py::arg("error"),
        "A PutRecords answer checked without building its records: (count, failed "
        "indices, FailedRecordCount or None), or None when it is not in canonical form.");
  m.def("encode_item", &encode_item, py::arg("attributes"), py::arg("condition"),
        py::arg("update_mode"), py::arg("encode_value"),
        "The PutItem body for ``attributes`` (None: encode in Python instead).");
  m.def("encode_records", &encode_records, py::arg("records"),
        "The PutRecords body for a list of record dicts (None: encode in Python instead).");
  m.def("encode_json", &encode_json, py::arg("value"),
        "Compact JSON of plain values, as json.dumps(separators=(',', ':'), "
        "ensure_ascii=False) (None for anything else).");
}
