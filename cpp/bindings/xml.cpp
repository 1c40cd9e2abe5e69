// Binding of the XML helpers: a read-only ElementTree-like view and the compact writer.
#include "xml/xml.h"

#include <pybind11/stl.h>

#include <memory>
#include <string>

#include "convert.h"
#include "errors.h"
#include "init.h"

namespace py = pybind11;
using namespace storewire;
using namespace storewire::xml;

namespace {

constexpr std::size_t kReleaseGilBytes = 64 * 1024;
constexpr int kMaxBuildDepth = 256;

// An element plus the document it lives in, so any Element keeps its document alive.
struct Element {
  std::shared_ptr<const Document> doc;
  pugi::xml_node node;
};

// Document text as str. Input is UTF-8-checked at parse time; text converted by pugixml
// from UTF-16/32 input can still be invalid (lone surrogates), which is the peer's fault.
py::str to_str(std::string_view s) {
  PyObject* o = PyUnicode_DecodeUTF8(s.data(), static_cast<Py_ssize_t>(s.size()), "strict");
  if (o == nullptr) {
    PyErr_Clear();
    throw Error(ErrorKind::Protocol, "malformed XML: text is not valid Unicode", "xml");
  }
  return py::reinterpret_steal<py::str>(o);
}

py::object wrap(const std::shared_ptr<const Document>& doc, pugi::xml_node n) {
  if (!n) return py::none();
  return py::cast(Element{doc, n});
}

py::list wrap_all(const std::shared_ptr<const Document>& doc,
                  const std::vector<pugi::xml_node>& v) {
  py::list out;
  for (auto n : v) out.append(py::cast(Element{doc, n}));
  return out;
}

std::vector<pugi::xml_node> children(const Element& e) {
  std::vector<pugi::xml_node> out;
  for_each_child(e.node, "*", [&](pugi::xml_node c) { out.push_back(c); });
  return out;
}

bool is_namespace_declaration(std::string_view name) {
  return name == "xmlns" || name.substr(0, 6) == "xmlns:";
}

Element parse_any(const py::object& data) {
  std::shared_ptr<const Document> doc;
  if (py::isinstance<py::str>(data)) {
    const std::string s = data.cast<std::string>();
    bindings::ReleaseGil nogil;
    doc = Document::parse(s.data(), s.size());
  } else {
    bindings::HeldBuffer b(data, false);
    if (b.size() < kReleaseGilBytes) {
      doc = Document::parse(b.data(), b.size());
    } else {
      bindings::ReleaseGil nogil;
      doc = Document::parse(b.data(), b.size());
    }
  }
  return Element{doc, doc->root()};
}

// Text for the writer: str as is, bool as true/false (the XML spelling), int in decimal.
std::string to_text(py::handle v) {
  if (py::isinstance<py::str>(v)) return v.cast<std::string>();
  if (py::isinstance<py::bool_>(v)) return v.cast<bool>() ? "true" : "false";
  if (py::isinstance<py::int_>(v)) return py::str(v).cast<std::string>();
  throw py::type_error("XML text and attribute values must be str, int or bool, not " +
                       py::type::of(v).attr("__name__").cast<std::string>());
}

void add_attributes(Writer& w, py::handle attrib) {
  if (attrib.is_none()) return;
  for (py::handle item : py::reinterpret_borrow<py::object>(attrib).attr("items")()) {
    py::tuple kv = py::reinterpret_borrow<py::tuple>(item);
    w.attribute(kv[0].cast<std::string>(), to_text(kv[1]));
  }
}

// One node of build(): (tag, content) or (tag, attrib, content).
void emit(Writer& w, const std::string& tag, py::handle attrib, py::handle content, int depth) {
  if (depth > kMaxBuildDepth) throw py::value_error("XML tree nested too deeply");
  w.start(tag);
  add_attributes(w, attrib);
  if (content.is_none()) {
  } else if (py::isinstance<py::str>(content) || py::isinstance<py::int_>(content)) {
    w.text(to_text(content));
  } else if (py::isinstance<py::sequence>(content) && !py::isinstance<py::bytes>(content)) {
    for (py::handle item : content) {
      if (!py::isinstance<py::tuple>(item)) throw py::type_error("XML child nodes must be tuples");
      py::tuple t = py::reinterpret_borrow<py::tuple>(item);
      if (t.size() == 2) {
        emit(w, t[0].cast<std::string>(), py::none(), t[1], depth + 1);
      } else if (t.size() == 3) {
        emit(w, t[0].cast<std::string>(), t[1], t[2], depth + 1);
      } else {
        throw py::value_error("XML child nodes are (tag, content) or (tag, attrib, content)");
      }
    }
  } else {
    throw py::type_error("XML content must be None, str, int or a sequence of nodes");
  }
  w.end();
}

void init_element(py::module_& m) {
  py::class_<Element>(m, "Element", "Read-only element of a parsed document (ElementTree-like).")
      .def_property_readonly(
          "tag", [](const Element& e) { return to_str(local_name(e.node.name())); },
          "Local name, without namespace prefix or URI.")
      .def_property_readonly(
          "text", [](const Element& e) { return to_str(text(e.node)); },
          "The element's own text and CDATA, entities decoded ('' if none).")
      .def_property_readonly(
          "attrib",
          [](const Element& e) {
            py::dict d;
            for (pugi::xml_attribute a : e.node.attributes()) {
              if (!is_namespace_declaration(a.name())) d[to_str(a.name())] = to_str(a.value());
            }
            return d;
          },
          "Attributes as a new dict (namespace declarations left out).")
      .def(
          "get",
          [](const Element& e, const std::string& name, const py::object& fallback) -> py::object {
            pugi::xml_attribute a = e.node.attribute(name.c_str());
            return a ? py::object(to_str(a.value())) : fallback;
          },
          py::arg("key"), py::arg("default") = py::none())
      .def(
          "find",
          [](const Element& e, const std::string& path) { return wrap(e.doc, find(e.node, path)); },
          py::arg("path"))
      .def(
          "findall",
          [](const Element& e, const std::string& path) {
            return wrap_all(e.doc, find_all(e.node, path));
          },
          py::arg("path"))
      .def(
          "findtext",
          [](const Element& e, const std::string& path, const py::object& fallback) -> py::object {
            pugi::xml_node n = find(e.node, path);
            return n ? py::object(to_str(text(n))) : fallback;
          },
          py::arg("path"), py::arg("default") = py::none())
      .def("__iter__", [](const Element& e) { return py::iter(wrap_all(e.doc, children(e))); })
      .def("__len__", [](const Element& e) { return children(e).size(); })
      .def("__bool__", [](const Element&) { return true; })
      .def(
          "__getitem__",
          [](const Element& e, py::ssize_t i) {
            const auto all = children(e);
            const auto n = static_cast<py::ssize_t>(all.size());
            if (i < 0) i += n;
            if (i < 0 || i >= n) throw py::index_error("child index out of range");
            return Element{e.doc, all[static_cast<std::size_t>(i)]};
          },
          py::arg("index"))
      .def("__repr__", [](const Element& e) {
        return py::str("<Element {!r}>").format(to_str(local_name(e.node.name())));
      });
}

void init_writer(py::module_& m) {
  py::class_<Writer>(m, "Writer", "Builds compact, namespace-free XML step by step.")
      .def(py::init<bool>(), py::kw_only(), py::arg("declaration") = false)
      .def(
          "start",
          [](Writer& w, const std::string& tag, const py::object& attrib) -> Writer& {
            w.start(tag);
            add_attributes(w, attrib);
            return w;
          },
          py::arg("tag"), py::arg("attrib") = py::none(),
          py::return_value_policy::reference_internal)
      .def(
          "text", [](Writer& w, const py::object& s) -> Writer& { return w.text(to_text(s)); },
          py::arg("text"), py::return_value_policy::reference_internal)
      .def(
          "end", [](Writer& w) -> Writer& { return w.end(); },
          py::return_value_policy::reference_internal)
      .def(
          "element",
          [](Writer& w, const std::string& tag, const py::object& s,
             const py::object& attrib) -> Writer& {
            w.start(tag);
            add_attributes(w, attrib);
            if (!s.is_none()) w.text(to_text(s));
            return w.end();
          },
          py::arg("tag"), py::arg("text") = py::none(), py::arg("attrib") = py::none(),
          py::return_value_policy::reference_internal)
      .def_property_readonly("depth", &Writer::depth, "Number of elements still open.")
      .def(
          "getvalue", [](Writer& w) { return py::bytes(w.finish()); },
          "The UTF-8 document; ValueError while elements are open.");

  m.def(
      "build",
      [](const std::string& tag, const py::object& content, const py::object& attrib,
         bool declaration) {
        Writer w(declaration);
        emit(w, tag, attrib, content, 0);
        return py::bytes(w.finish());
      },
      py::arg("tag"), py::arg("content") = py::none(), py::arg("attrib") = py::none(),
      py::kw_only(), py::arg("declaration") = false,
      "Compact XML from a tree: content is None, str, int/bool, or a sequence of child nodes "
      "(tag, content) / (tag, attrib, content).");
}

}  // namespace

void init_xml(py::module_& m) {
  init_element(m);
  init_writer(m);
  m.def("parse", &parse_any, py::arg("data"),
        "Parse a document (bytes-like or str); ProtocolError when malformed. Returns the root.");
}
