// Binding of the Sector client: argument conversion, GIL release, Ctrl-C. No logic.
#include <pybind11/functional.h>
#include <pybind11/stl.h>

#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "convert.h"
#include "errors.h"
#include "init.h"
#include "sector/certs.h"
#include "sector/client.h"
#include "sector/crypto.h"
#include "sector/login.h"
#include "sector/routing.h"
#include "sector/udt_link.h"

namespace py = pybind11;
using storewire::bindings::fspath;
using storewire::bindings::signal_checkpoint;
using namespace storewire;
using namespace storewire::sector;

namespace {

struct PyClient {
  std::shared_ptr<Client> client;

  std::shared_ptr<Client> get() const {
    std::shared_ptr<Client> c = std::atomic_load(&client);
    if (!c) throw Error(ErrorKind::InvalidArgument, "the Sector client is closed");
    return c;
  }
  template <class F>
  auto call(F&& f) {
    std::shared_ptr<Client> c = get();
    bindings::ReleaseGil release;
    return f(*c, signal_checkpoint());
  }
};

// ClientOptions' defaults, for Python to read instead of repeating them.
py::dict client_option_defaults() {
  const ClientOptions o;
  py::dict d;
  d["bind_ip"] = o.bind_ip;
  d["timeout_s"] = o.timeout_s;
  d["retransmit_s"] = o.retransmit_s;
  d["keepalive"] = o.keepalive;
  return d;
}

py::dict stats_dict(const GmpStats& s) {
  py::dict d;
  d["sent"] = s.sent;
  d["retransmitted"] = s.retransmitted;
  d["received"] = s.received;
  d["duplicates"] = s.duplicates;
  d["ignored"] = s.ignored;
  d["large_sent"] = s.large_sent;
  d["large_received"] = s.large_received;
  return d;
}

py::dict sysinfo_dict(const SysInfo& s) {
  py::dict d;
  d["start_time"] = s.start_time;
  d["free_disk"] = s.free_disk;
  d["total_file_bytes"] = s.total_file_bytes;
  d["total_files"] = s.total_files;
  d["under_replicated"] = s.under_replicated;
  py::list clusters, masters, slaves;
  for (const auto& c : s.clusters) {
    py::dict e;
    e["id"] = c.id;
    e["nodes"] = c.nodes;
    e["avail"] = c.avail;
    e["file_bytes"] = c.file_bytes;
    e["bytes_in"] = c.bytes_in;
    e["bytes_out"] = c.bytes_out;
    clusters.append(e);
  }
  for (const auto& m : s.masters) {
    py::dict e;
    e["key"] = m.key;
    e["ip"] = m.ip;
    e["port"] = m.port;
    masters.append(e);
  }
  for (const auto& v : s.slaves) {
    py::dict e;
    e["id"] = v.id;
    e["ip"] = v.ip;
    e["port"] = v.port;
    e["avail"] = v.avail;
    e["file_bytes"] = v.file_bytes;
    e["mem"] = v.mem;
    e["cpu"] = v.cpu;
    e["bytes_in"] = v.bytes_in;
    e["bytes_out"] = v.bytes_out;
    e["last_report_us"] = v.last_report_us;
    e["status"] = v.status;
    e["cluster"] = v.cluster;
    e["path"] = v.path;
    slaves.append(e);
  }
  d["clusters"] = clusters;
  d["masters"] = masters;
  d["slaves"] = slaves;
  return d;
}

// Masters as (router key, ip, port).
std::vector<std::tuple<std::int32_t, std::string, std::int32_t>> master_tuples(
    const std::vector<MasterAddr>& masters) {
  std::vector<std::tuple<std::int32_t, std::string, std::int32_t>> out;
  for (const MasterAddr& m : masters) out.emplace_back(m.key, m.ip, m.port);
  return out;
}

struct PyFile {
  std::shared_ptr<Client> client;  // the file refers to its client: keep it alive
  std::unique_ptr<File> file;

  PyFile(std::shared_ptr<Client> c, std::unique_ptr<File> f)
      : client(std::move(c)), file(std::move(f)) {}
  PyFile(PyFile&&) = default;
  ~PyFile() {
    if (file) {  // an unclosed file closes itself over the network: not under the GIL
      bindings::ReleaseGil release;
      file.reset();
    }
  }

  template <class F>
  auto call(F&& f) {
    bindings::ReleaseGil release;
    return f(*file, signal_checkpoint());
  }
};

struct PyDataChannel {
  std::unique_ptr<DataChannel> dc;
};

struct PyCipher {
  std::unique_ptr<FrameCipher> cipher;
};

struct PyListener {
  std::unique_ptr<LargeMessageListener> listener;
};

}  // namespace

void init_sector(py::module_& m) {
  m.def("defaults", &client_option_defaults,
        "Client's defaults (a new dict each call): the one place they are declared is "
        "ClientOptions in cpp/sector/client.h.");
  py::class_<FileAttr>(m, "FileAttr", "Attributes of one Sector file or directory (SNode).")
      .def_readonly("name", &FileAttr::name)
      .def_readonly("is_dir", &FileAttr::is_dir)
      .def_readonly("mtime", &FileAttr::mtime)
      .def_readonly("size", &FileAttr::size)
      .def_readonly("replicas_target", &FileAttr::replicas_target)
      .def_readonly("replicas_max", &FileAttr::replicas_max)
      .def_readonly("replica_dist", &FileAttr::replica_dist)
      .def_readonly("locations", &FileAttr::locations)
      .def("__repr__", [](const FileAttr& a) {
        return "FileAttr(name=" + py::repr(py::str(a.name)).cast<std::string>() +
               ", is_dir=" + (a.is_dir ? "True" : "False") + ", size=" + std::to_string(a.size) +
               ", mtime=" + std::to_string(a.mtime) + ")";
      });

  py::class_<PyFile>(m, "File", "A Sector file opened with Client.open().")
      .def(
          "read",
          [](PyFile& self, std::int64_t n) {
            std::string data =
                self.call([&](File& f, const Checkpoint& cp) { return f.read(n, cp); });
            return py::bytes(data);
          },
          py::arg("n"))
      .def(
          "write",
          [](PyFile& self, const py::object& data) {
            bindings::HeldBuffer buf(data, false);
            self.call([&](File& f, const Checkpoint& cp) { f.write(buf.data(), buf.size(), cp); });
          },
          py::arg("data"))
      .def(
          "download",
          [](PyFile& self, const std::function<void(py::bytes)>& sink) {
            return self.call([&](File& f, const Checkpoint& cp) {
              return f.download(
                  [&](const char* d, std::size_t n) {
                    bindings::AcquireGil gil;
                    sink(py::bytes(d, n));
                  },
                  cp);
            });
          },
          py::arg("sink"))
      // The accessors wait for the file's lock: never while holding the GIL, which a
      // download's sink on another thread may need.
      .def("seek", [](PyFile& self, std::int64_t pos) { self.file->seek(pos); }, py::arg("pos"),
           py::call_guard<bindings::ReleaseGil>())
      .def("tell", [](PyFile& self) { return self.file->tell(); },
           py::call_guard<bindings::ReleaseGil>())
      .def("flush", [](PyFile& self) { self.call([](File& f, const Checkpoint& cp) { f.flush(cp); }); })
      .def("close", [](PyFile& self) { self.call([](File& f, const Checkpoint& cp) { f.close(cp); }); })
      .def_property_readonly("size",
                             py::cpp_function([](PyFile& self) { return self.file->size(); },
                                              py::call_guard<bindings::ReleaseGil>()))
      .def_property_readonly("closed",
                             py::cpp_function([](PyFile& self) { return self.file->closed(); },
                                              py::call_guard<bindings::ReleaseGil>()))
      .def_property_readonly("path", [](PyFile& self) { return self.file->path(); })
      .def_property_readonly("transid", [](PyFile& self) { return self.file->transid(); })
      .def_property_readonly("slaves",
                             py::cpp_function([](PyFile& self) { return self.file->slaves(); },
                                              py::call_guard<bindings::ReleaseGil>()));

  py::class_<PyClient>(m, "Client", "A Sector 2.x client session (TLS login, GMP commands).")
      .def(py::init([](const std::string& host, int port, std::optional<std::string> bind_ip,
                       std::optional<double> timeout_s, std::optional<double> retransmit_s) {
             ClientOptions o;  // None keeps its default
             if (bind_ip) o.bind_ip = *bind_ip;
             if (timeout_s) o.timeout_s = *timeout_s;
             if (retransmit_s) o.retransmit_s = *retransmit_s;
             std::shared_ptr<Client> c;
             {
               bindings::ReleaseGil release;
               c = std::make_shared<Client>(host, port, o);
             }
             return PyClient{std::move(c)};
           }),
           py::arg("host"), py::arg("port"), py::kw_only(), py::arg("bind_ip") = py::none(),
           py::arg("timeout_s") = py::none(), py::arg("retransmit_s") = py::none())
      .def(
          "login",
          [](PyClient& self, const std::string& user, const std::string& password,
             const py::object& cert) {
            std::string path = fspath(cert);
            self.call([&](Client& c, const Checkpoint& cp) { c.login(user, password, path, cp); });
          },
          py::arg("user"), py::arg("password"), py::arg("cert"))
      .def("relogin",
           [](PyClient& self) { self.call([](Client& c, const Checkpoint& cp) { c.relogin(cp); }); })
      .def("logout",
           [](PyClient& self) { self.call([](Client& c, const Checkpoint& cp) { c.logout(cp); }); })
      .def("close",
           [](PyClient& self) {
             std::shared_ptr<Client> c = std::atomic_load(&self.client);
             if (!c) return;
             bindings::ReleaseGil release;
             c->close();
           })
      .def(
          "list",
          [](PyClient& self, const std::string& path, bool with_locations) {
            return self.call([&](Client& c, const Checkpoint& cp) {
              return c.list(path, with_locations, cp);
            });
          },
          py::arg("path"), py::arg("with_locations") = true)
      .def(
          "stat",
          [](PyClient& self, const std::string& path) {
            return self.call([&](Client& c, const Checkpoint& cp) { return c.stat(path, cp); });
          },
          py::arg("path"))
      .def(
          "mkdir",
          [](PyClient& self, const std::string& path) {
            self.call([&](Client& c, const Checkpoint& cp) { c.mkdir(path, cp); });
          },
          py::arg("path"))
      .def(
          "move",
          [](PyClient& self, const std::string& src, const std::string& dst) {
            self.call([&](Client& c, const Checkpoint& cp) { c.move(src, dst, cp); });
          },
          py::arg("src"), py::arg("dst"))
      .def(
          "remove",
          [](PyClient& self, const std::string& path) {
            self.call([&](Client& c, const Checkpoint& cp) { c.remove(path, cp); });
          },
          py::arg("path"))
      .def(
          "rmr",
          [](PyClient& self, const std::string& path) {
            self.call([&](Client& c, const Checkpoint& cp) { c.rmr(path, cp); });
          },
          py::arg("path"))
      .def(
          "copy",
          [](PyClient& self, const std::string& src, const std::string& dst) {
            self.call([&](Client& c, const Checkpoint& cp) { c.copy(src, dst, cp); });
          },
          py::arg("src"), py::arg("dst"))
      .def(
          "utime",
          [](PyClient& self, const std::string& path, std::int64_t mtime) {
            self.call([&](Client& c, const Checkpoint& cp) { c.utime(path, mtime, cp); });
          },
          py::arg("path"), py::arg("mtime"))
      .def("sysinfo",
           [](PyClient& self) {
             SysInfo s = self.call([](Client& c, const Checkpoint& cp) { return c.sysinfo(cp); });
             return sysinfo_dict(s);
           })
      .def("df",
           [](PyClient& self) {
             return self.call([](Client& c, const Checkpoint& cp) { return c.df(cp); });
           })
      .def("keepalive",
           [](PyClient& self) {
             self.call([](Client& c, const Checkpoint& cp) { c.keepalive(cp); });
           })
      .def("masters", [](PyClient& self) { return master_tuples(self.get()->masters()); })
      .def(
          "reopen",
          [](PyClient& self, const std::string& path, std::int32_t transid) {
            return self.call(
                [&](Client& c, const Checkpoint& cp) { return c.reopen(path, transid, cp); });
          },
          py::arg("path"), py::arg("transid"))
      .def(
          "open",
          [](PyClient& self, const std::string& path, std::int32_t mode,
             const std::string& options) {
            std::shared_ptr<Client> c = self.get();
            std::unique_ptr<File> f;
            {
              bindings::ReleaseGil release;
              f = c->open(path, mode, options, signal_checkpoint());
            }
            return PyFile{c, std::move(f)};
          },
          py::arg("path"), py::arg("mode"), py::arg("options") = "")
      .def(
          "upload",
          [](PyClient& self, const py::object& local, const std::string& remote, bool encrypt) {
            std::string l = fspath(local);
            return self.call(
                [&](Client& c, const Checkpoint& cp) { return c.upload(l, remote, encrypt, cp); });
          },
          py::arg("local"), py::arg("remote"), py::kw_only(), py::arg("encrypt") = false)
      .def(
          "download",
          [](PyClient& self, const std::string& remote, const py::object& local, bool encrypt) {
            std::string l = fspath(local);
            return self.call([&](Client& c, const Checkpoint& cp) {
              return c.download(remote, l, encrypt, cp);
            });
          },
          py::arg("remote"), py::arg("local"), py::kw_only(), py::arg("encrypt") = false)
      .def_property_readonly("data_port", [](PyClient& self) { return self.get()->data_port(); })
      .def_property_readonly("logged_in", [](PyClient& self) { return self.get()->logged_in(); })
      .def_property_readonly("session_key",
                             [](PyClient& self) { return self.get()->session_key(); })
      .def_property_readonly("gmp_port", [](PyClient& self) { return self.get()->gmp_port(); })
      .def_property_readonly("host", [](PyClient& self) { return self.get()->host(); })
      .def_property_readonly("port", [](PyClient& self) { return self.get()->port(); })
      .def_property_readonly("gmp_stats",
                             [](PyClient& self) { return stats_dict(self.get()->gmp_stats()); });

  py::class_<PyDataChannel>(m, "DataChannel",
                            "UDT rendezvous data channel (frames: session, size, bytes).")
      .def(py::init([](const std::string& host, int port, std::optional<double> idle_timeout_s) {
             bindings::ReleaseGil release;
             auto dc = std::make_unique<DataChannel>(host, port);
             dc->set_idle_timeout(idle_timeout_s.value_or(DataChannel::kDefaultIdleTimeoutS));
             return PyDataChannel{std::move(dc)};
           }),
           py::arg("host"), py::arg("port") = 0, py::kw_only(),
           py::arg("idle_timeout_s") = py::none())
      .def_property_readonly("port", [](PyDataChannel& self) { return self.dc->port(); })
      .def(
          "connect",
          [](PyDataChannel& self, const std::string& ip, int port,
             std::optional<double> timeout_s) {
            bindings::ReleaseGil release;
            self.dc->connect(ip, port, timeout_s.value_or(DataChannel::kDefaultConnectTimeoutS),
                             {});
          },
          py::arg("ip"), py::arg("port"), py::kw_only(), py::arg("timeout_s") = py::none())
      .def(
          "connected",
          [](PyDataChannel& self, const std::string& ip, int port) {
            return self.dc->connected(ip, port);
          },
          py::arg("ip"), py::arg("port"))
      .def(
          "send_frame",
          [](PyDataChannel& self, const std::string& ip, int port, std::int32_t session,
             const py::object& data) {
            bindings::HeldBuffer buf(data, false);
            bindings::ReleaseGil release;
            self.dc->send_frame(ip, port, session, buf.data(), buf.size());
          },
          py::arg("ip"), py::arg("port"), py::arg("session"), py::arg("data"))
      .def(
          "send_raw",
          [](PyDataChannel& self, const std::string& ip, int port, const py::object& data) {
            bindings::HeldBuffer buf(data, false);
            bindings::ReleaseGil release;
            self.dc->send_raw(ip, port, buf.data(), buf.size());
          },
          py::arg("ip"), py::arg("port"), py::arg("data"))
      .def(
          "send_error",
          [](PyDataChannel& self, const std::string& ip, int port, std::int32_t session) {
            bindings::ReleaseGil release;
            self.dc->send_error(ip, port, session);
          },
          py::arg("ip"), py::arg("port"), py::arg("session"))
      .def(
          "recv_any",
          [](PyDataChannel& self, const std::string& ip, int port) {
            bool error = false;
            std::pair<std::int32_t, std::string> frame;
            {
              bindings::ReleaseGil release;
              frame = self.dc->recv_any(ip, port, error, {});
            }
            return py::make_tuple(frame.first, py::bytes(frame.second), error);
          },
          py::arg("ip"), py::arg("port"))
      .def("close", [](PyDataChannel& self) {
        bindings::ReleaseGil release;
        self.dc->close();
      });

  m.def(
      "fetch_certificate",
      [](const std::string& host, int port, std::optional<double> timeout_s) {
        bindings::ReleaseGil release;
        return fetch_certificate(host, port, timeout_s.value_or(kFetchCertificateTimeoutS));
      },
      py::arg("host"), py::arg("port"), py::kw_only(), py::arg("timeout_s") = py::none());
  m.def(
      "make_self_signed_cert",
      [](const py::object& cert_path, const py::object& key_path,
         std::optional<std::string> common_name, std::optional<int> days) {
        std::string cert = fspath(cert_path), key = fspath(key_path);
        bindings::ReleaseGil release;
        make_self_signed_cert(cert, key, common_name.value_or(kCertCommonName),
                              days.value_or(kCertDays));
      },
      py::arg("cert_path"), py::arg("key_path"), py::kw_only(),
      py::arg("common_name") = py::none(), py::arg("days") = py::none());
  m.def("code_name", &code_name, py::arg("code"));
  m.def(
      "master_index",
      [](const std::string& path, std::size_t n) { return master_index(path, n); },
      py::arg("path"), py::arg("n"));
  m.def(
      "parse_master_list",
      [](const py::bytes& data) { return master_tuples(parse_master_list(data)); },
      py::arg("data"));
  m.def("code_text", &code_text, py::arg("code"));

  // Minimal UDT access for the Sector emulator: GMP messages over 1456 bytes.
  m.def(
      "udt_send_message",
      [](const std::string& host, int port, std::int32_t sender_port, std::int32_t session,
         std::int32_t id, std::int32_t info, const py::bytes& payload,
         std::optional<double> timeout_s) {
        std::string data = payload;
        bindings::ReleaseGil release;
        send_large_message(host, port, sender_port, session, id, info, data,
                           timeout_s.value_or(kLargeMessageTimeoutS));
      },
      py::arg("host"), py::arg("port"), py::arg("sender_port"), py::arg("session"), py::arg("id"),
      py::arg("info"), py::arg("payload"), py::kw_only(), py::arg("timeout_s") = py::none());

  py::class_<PyCipher>(m, "FrameCipher",
                       "Blowfish-CBC per data frame, chained across frames (one direction).")
      .def(py::init([](const py::bytes& key, const py::bytes& iv, bool encrypt) {
             return PyCipher{std::make_unique<FrameCipher>(key, iv, encrypt)};
           }),
           py::arg("key"), py::arg("iv"), py::kw_only(), py::arg("encrypt"))
      .def(
          "apply",
          [](PyCipher& self, const py::object& data) {
            bindings::HeldBuffer buf(data, false);
            // Straight into the result: one copy of the frame, then the cipher in place
            // (the emulator's slaves decrypt every upload frame through here).
            PyObject* out =
                PyBytes_FromStringAndSize(nullptr, static_cast<Py_ssize_t>(buf.size() + 8));
            if (!out) throw py::error_already_set();
            py::object result = py::reinterpret_steal<py::object>(out);
            char* p = PyBytes_AS_STRING(out);
            std::size_t n;
            {
              bindings::ReleaseGil release;
              if (buf.size()) std::memcpy(p, buf.data(), buf.size());
              n = self.cipher->apply_in_place(p, buf.size());
            }
            out = result.release().ptr();
            if (_PyBytes_Resize(&out, static_cast<Py_ssize_t>(n)) != 0)
              throw py::error_already_set();
            return py::reinterpret_steal<py::bytes>(out);
          },
          py::arg("data"));

  py::class_<PyListener>(m, "UdtMessageListener",
                         "A UDT listener receiving GMP messages larger than 1456 bytes.")
      .def(py::init([](const std::string& host, int port) {
             bindings::ReleaseGil release;
             return PyListener{std::make_unique<LargeMessageListener>(host, port)};
           }),
           py::arg("host"), py::arg("port"))
      .def_property_readonly("port", [](PyListener& self) { return self.listener->port(); })
      .def(
          "accept",
          [](PyListener& self, double timeout_s) -> py::object {
            std::optional<LargeMessage> msg;
            {
              bindings::ReleaseGil release;
              msg = self.listener->accept(static_cast<int>(timeout_s * 1000));
            }
            if (!msg) return py::none();
            return py::make_tuple(msg->ip, msg->port, msg->session, msg->id, msg->info,
                                  py::bytes(msg->payload));
          },
          py::arg("timeout_s"))
      .def("close", [](PyListener& self) {
        bindings::ReleaseGil release;
        self.listener->close();
      });
}
