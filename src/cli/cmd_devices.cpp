// `hetspec devices`: the CPU and every OpenCL device, with the ids plans use (cpu, cl:0, ...).
// No OpenCL platform is not an error: one line says so and the CPU is still listed.
#include <iostream>
#include <memory>

#include "hetspec/engine/opencl/device_report.hpp"
#include "hetspec/core/utf8.hpp"
#include "registry.hpp"

static hetspec::cli::Registrar reg("devices", "List processing units: the CPU and every OpenCL device",
                                   [](CLI::App& app) {
                                     auto json = std::make_shared<bool>(false);
                                     app.add_flag("--json", *json, "Print JSON instead of text");
                                     return std::function<int()>([json] {
                                       auto cpu = hetspec::ocl::probe_cpu();
                                       auto cl = hetspec::ocl::discover_cl_devices();
                                       if (*json) std::cout << hetspec::json_text(hetspec::ocl::devices_json(cpu, cl), 2) << "\n";
                                       else std::cout << hetspec::ocl::format_devices(cpu, cl);
                                       return 0;
                                     });
                                   });
