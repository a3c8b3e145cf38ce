// The launch probe (`hetspec bench-opencl --launch-probe`) on the test device: every figure it reports
// is measured (positive), the command-buffer line says what happened, and the real GEMVs ran through
// ops::matmul for each of a Llama-1B layer's four shapes.
#include "cl_test_support.hpp"
#include "hetspec/engine/opencl/cl_launch_probe.hpp"

using namespace hetspec;

TEST_CASE("OpenCL launch probe measures host enqueue and device time per kernel", "[opencl]") {
  HS_CL_TEST_DEVICE(dev);
  const ocl::LaunchProbe p = ocl::probe_launches(dev, 20);
  CHECK(p.roundtrip_us > 0);
  CHECK(p.enqueue_us > 0);
  CHECK(p.enqueue11_us > 0);
  CHECK(!p.command_buffer.empty());
  const bool listed = dev.info().extensions.find("cl_khr_command_buffer") != std::string::npos;
  CHECK((p.command_buffer == "absent") == !listed);
  REQUIRE(p.gemv.size() == 4);
  for (const auto& g : p.gemv) {
    INFO(g.rows << " x " << g.cols);
    CHECK(g.enqueue_us > 0);
    CHECK(g.queued_us >= 0);
  }
  const std::string text = ocl::format_launch_probe(dev, p);
  CHECK(text.find("test=launch_probe ") != std::string::npos);
  CHECK(text.find("test=launch_probe_gemv dtype=q4_1 rows=2048 cols=8192") != std::string::npos);
}
