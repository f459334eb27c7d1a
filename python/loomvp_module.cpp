// Python bindings (module `loomvp`): run a workload and get its stats as a
// dict, or drive one Loom device through its registers from a test bench
// (docs/user-guide.md, "Python"). SystemC elaborates once per process, so
// run_workload() simulates in a forked child and DeviceBench may be built
// once per process.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <string>

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include "firmware/include/loom_regs.h"
#include "loomvp_version.h"
#include "models/interconnect/router.h"
#include "models/loom/bitplane.h"
#include "models/loom/loom.h"
#include "models/memory/memory.h"
#include "platform/report.h"
#include "platform/runner.h"
#include "platform/user_error.h"

namespace py = pybind11;
using namespace loomvp;

// libsystemc's main() refers to sc_main; the bindings never call it.
__attribute__((visibility("default"))) int sc_main(int, char**) { return 0; }

namespace {

// Reads all of fd.
std::string read_all(int fd) {
  std::string text;
  char buffer[65536];
  ssize_t n;
  while ((n = read(fd, buffer, sizeof buffer)) > 0) text.append(buffer, static_cast<size_t>(n));
  return text;
}

void write_all(int fd, const std::string& text) {
  for (size_t done = 0; done < text.size();) {
    const ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n <= 0) return;
    done += static_cast<size_t>(n);
  }
}

// loomvp run in a child process; the stats JSON (or the error) comes back
// through a pipe. Bad input raises ValueError with loomvp's message.
py::object run_workload_in_child(const std::string& workload, const std::string& engine, const std::string& platform,
                        const std::vector<std::string>& overrides) {
  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) throw std::runtime_error("pipe failed");
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    close(pipe_fds[0]);
    int code = 0;
    std::string out;
    try {
      RunOptions options;
      options.workload = workload;
      options.engine = engine;
      options.platform = platform;
      options.overrides = overrides;
      const RunResult result = run_workload(options);
      nlohmann::json stats = stats_json(result);
      stats["passed"] = result.passed();
      out = stats.dump();
    } catch (const UserError& e) {
      code = 2;
      out = e.what();
    } catch (const std::exception& e) {
      code = 1;
      out = std::string("internal error: ") + e.what();
    }
    write_all(pipe_fds[1], out);
    close(pipe_fds[1]);
    _exit(code);
  }
  close(pipe_fds[1]);
  std::string text;
  {
    py::gil_scoped_release release;
    text = read_all(pipe_fds[0]);
  }
  close(pipe_fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  const int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (code == 2) throw py::value_error(text);
  if (code != 0) throw std::runtime_error("loomvp run failed (" + std::to_string(code) + "): " + text);
  return py::module_::import("json").attr("loads")(text);
}

// The register initiator of the bench: plain b_transport from outside any
// SystemC process (the device annotates delays, never waits on this path).
struct RegisterPort : sc_core::sc_module {
  tlm_utils::simple_initiator_socket<RegisterPort> socket{"socket"};
  explicit RegisterPort(sc_core::sc_module_name name) : sc_module(name) {}
  bool access(tlm::tlm_command command, uint32_t offset, uint32_t& value, sc_core::sc_time& delay) {
    tlm::tlm_generic_payload trans;
    trans.set_command(command);
    trans.set_address(offset);
    trans.set_data_ptr(reinterpret_cast<unsigned char*>(&value));
    trans.set_data_length(4);
    trans.set_streaming_width(4);
    trans.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    socket->b_transport(trans, delay);
    return trans.is_response_ok();
  }
};

// Loom with its DMA through a router to a DRAM model, registers reached from Python. Time
// advances only in advance() and wait_irq() (and by each access's delay).
class DeviceBench : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(DeviceBench);
  DeviceBench(sc_core::sc_module_name name, const std::string& engine, uint64_t dram_base, uint64_t dram_size)
      : sc_module(name),
        router_("router", RouterConfig{}),
        dram_("dram", dram_config(dram_size)),
        loom_("loom", loom_config(engine, dram_base, dram_size)),
        port_("port"),
        irq_("irq"),
        dram_base_(dram_base) {
    port_.socket.bind(loom_.reg_socket);
    router_.connect_initiator(loom_.dma_socket, "loom_dma");
    router_.connect_target(dram_.socket, "dram", dram_base, dram_size);
    loom_.irq(irq_);
    SC_METHOD(on_irq);
    sensitive << irq_;
    dont_initialize();
  }

  uint32_t read(uint32_t offset) {
    uint32_t value = 0;
    transact(tlm::TLM_READ_COMMAND, offset, value);
    return value;
  }
  void write(uint32_t offset, uint32_t value) { transact(tlm::TLM_WRITE_COMMAND, offset, value); }

  void load(uint64_t address, const py::bytes& data) {
    const std::string bytes = data;
    if (!dram_.backdoor_write(address - dram_base_, bytes.data(), bytes.size()))
      throw py::value_error("load: range outside DRAM");
  }
  py::bytes dump(uint64_t address, uint64_t length) {
    std::string bytes(length, '\0');
    if (!dram_.backdoor_read(address - dram_base_, bytes.data(), length))
      throw py::value_error("dump: range outside DRAM");
    return py::bytes(bytes);
  }

  void advance(double ns) { run_for(sc_core::sc_time(ns, sc_core::SC_NS)); }
  // True when the interrupt line is (or goes) high within timeout_ns.
  bool wait_irq(double timeout_ns) {
    if (irq_.read()) return true;
    waiting_ = true;
    run_for(sc_core::sc_time(timeout_ns, sc_core::SC_NS));
    waiting_ = false;
    return irq_.read();
  }
  bool irq() const { return irq_.read(); }
  double now_ns() const { return sc_core::sc_time_stamp().to_seconds() * 1e9; }

  static DeviceBench* create(const std::string& engine, uint64_t dram_base, uint64_t dram_size) {
    static bool built = false;
    if (built) throw std::runtime_error("one DeviceBench per process: SystemC elaborates once");
    built = true;
    return new DeviceBench("bench", engine, dram_base, dram_size);
  }

 private:
  static MemoryConfig dram_config(uint64_t size) {
    MemoryConfig m;
    m.size_bytes = size;
    return m;
  }
  static LoomConfig loom_config(const std::string& engine, uint64_t base, uint64_t size) {
    LoomConfig c;
    const auto parsed = parse_engine(engine);
    if (!parsed) throw py::value_error("engine '" + engine.substr(0, 40) + "': allowed base, stripes, lm1b, lm2b, lm4b");
    c.engine = *parsed;
    c.limits.dram_base = base;
    c.limits.dram_size = size;
    return c;
  }
  void transact(tlm::tlm_command command, uint32_t offset, uint32_t& value) {
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    const bool ok = port_.access(command, offset, value, delay);
    run_for(delay);
    if (!ok) throw std::runtime_error("register 0x" + to_hex(offset) + ": TLM error response");
  }
  void run_for(const sc_core::sc_time& t) {
    py::gil_scoped_release release;
    sc_core::sc_start(t);  // also runs the delta cycles of a zero time
  }
  static std::string to_hex(uint32_t v) {
    char text[16];
    std::snprintf(text, sizeof text, "%03x", v);
    return text;
  }
  void on_irq() {
    if (waiting_ && irq_.read()) sc_core::sc_pause();
  }

  Router router_;
  Memory dram_;
  Loom loom_;
  RegisterPort port_;
  sc_core::sc_signal<bool> irq_;
  uint64_t dram_base_;
  bool waiting_ = false;
};

void add_register_constants(py::module_& m) {
  py::dict regs;
#define LOOMVP_REG(name) regs[#name] = LOOM_REG_##name
  LOOMVP_REG(ID); LOOMVP_REG(VERSION); LOOMVP_REG(CAPS); LOOMVP_REG(GRID); LOOMVP_REG(CTRL); LOOMVP_REG(STATUS);
  LOOMVP_REG(IRQ_STATUS); LOOMVP_REG(IRQ_MASK); LOOMVP_REG(LAYER_TYPE); LOOMVP_REG(IN_ADDR); LOOMVP_REG(IN2_ADDR);
  LOOMVP_REG(WEIGHT_ADDR); LOOMVP_REG(BIAS_ADDR); LOOMVP_REG(OUT_ADDR); LOOMVP_REG(IN_C); LOOMVP_REG(IN_H);
  LOOMVP_REG(IN_W); LOOMVP_REG(OUT_C); LOOMVP_REG(KERNEL); LOOMVP_REG(STRIDE); LOOMVP_REG(PAD); LOOMVP_REG(GROUPS);
  LOOMVP_REG(PREC); LOOMVP_REG(QUANT); LOOMVP_REG(OUT_H); LOOMVP_REG(OUT_W); LOOMVP_REG(CYCLES_LO);
  LOOMVP_REG(COMPUTE_CYCLES_LO); LOOMVP_REG(DMA_CYCLES_LO); LOOMVP_REG(DRAM_RD_BYTES_LO);
  LOOMVP_REG(DRAM_WR_BYTES_LO); LOOMVP_REG(LAYERS_DONE); LOOMVP_REG(TILES);
#undef LOOMVP_REG
  m.attr("REG") = regs;
  py::dict bits;
  bits["CTRL_START"] = LOOM_CTRL_START;
  bits["CTRL_SOFT_RESET"] = LOOM_CTRL_SOFT_RESET;
  bits["CTRL_IRQ_ENABLE"] = LOOM_CTRL_IRQ_ENABLE;
  bits["STATUS_BUSY"] = LOOM_STATUS_BUSY;
  bits["STATUS_DONE"] = LOOM_STATUS_DONE;
  bits["STATUS_ERROR"] = LOOM_STATUS_ERROR;
  bits["IRQ_DONE"] = LOOM_IRQ_DONE;
  bits["IRQ_ERROR"] = LOOM_IRQ_ERROR;
  bits["QUANT_RELU"] = LOOM_QUANT_RELU;
  bits["LAYER_CONV"] = LOOM_LAYER_CONV;
  bits["ERR_BAD_PRECISION"] = LOOM_ERR_BAD_PRECISION;
  bits["ID_VALUE"] = LOOM_ID_VALUE;
  m.attr("BITS") = bits;
}

}  // namespace

PYBIND11_MODULE(loomvp, m) {
  setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 1);
  m.doc() = "LoomVP: run workloads, drive the Loom device from Python";
  m.attr("__version__") = LOOMVP_VERSION;
  m.attr("REVISION") = LOOMVP_REVISION;
  m.def("run_workload", &run_workload_in_child, py::arg("workload"), py::arg("engine") = "",
        py::arg("platform") = "mobile-soc", py::arg("overrides") = std::vector<std::string>{},
        "Run a workload (in a child process) and return its stats as a dict");
  py::class_<DeviceBench>(m, "DeviceBench")
      .def(py::init(&DeviceBench::create), py::arg("engine") = "lm1b",
           py::arg("dram_base") = 0x80000000ull, py::arg("dram_size") = 16ull << 20)
      .def("read", &DeviceBench::read, "read a 32-bit register at a byte offset")
      .def("write", &DeviceBench::write, "write a 32-bit register at a byte offset")
      .def("load", &DeviceBench::load, "write bytes into DRAM at an address (backdoor)")
      .def("dump", &DeviceBench::dump, "read bytes from DRAM (backdoor)")
      .def("advance", &DeviceBench::advance, py::arg("ns"), "advance simulated time")
      .def("wait_irq", &DeviceBench::wait_irq, py::arg("timeout_ns"), "run until the interrupt is high; False on timeout")
      .def_property_readonly("irq", &DeviceBench::irq)
      .def_property_readonly("now_ns", &DeviceBench::now_ns);
  m.def("pack_activations", [](const std::vector<int32_t>& v, uint32_t c, uint32_t h, uint32_t w, uint32_t prec) {
    if (v.size() != uint64_t{c} * h * w) throw py::value_error("pack_activations: len(values) != c*h*w");
    std::string out(bitplane::activation_bytes(c, h, w, prec), '\0');
    bitplane::pack_activations(v.data(), c, h, w, prec, reinterpret_cast<uint8_t*>(out.data()));
    return py::bytes(out);
  });
  m.def("pack_weights", [](const std::vector<int16_t>& v, uint32_t f, uint32_t cg, uint32_t kh, uint32_t kw, uint32_t prec) {
    if (v.size() != uint64_t{f} * cg * kh * kw) throw py::value_error("pack_weights: len(values) != f*cg*kh*kw");
    std::string out(bitplane::weight_bytes(f, cg, kh, kw, prec), '\0');
    bitplane::pack_weights(v.data(), f, cg, kh, kw, prec, reinterpret_cast<uint8_t*>(out.data()));
    return py::bytes(out);
  });
  m.def("unpack_activations", [](const py::bytes& data, uint32_t c, uint32_t h, uint32_t w, uint32_t prec, bool is_signed) {
    const std::string in = data;
    if (in.size() < bitplane::activation_bytes(c, h, w, prec)) throw py::value_error("unpack_activations: too few bytes");
    std::vector<int32_t> values(uint64_t{c} * h * w);
    bitplane::unpack_activations(reinterpret_cast<const uint8_t*>(in.data()), c, h, w, prec, is_signed, values.data());
    return values;
  });
  m.def("activation_bytes", &bitplane::activation_bytes);
  m.def("weight_bytes", &bitplane::weight_bytes);
  add_register_constants(m);
}
