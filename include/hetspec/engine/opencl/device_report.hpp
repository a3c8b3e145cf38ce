// Text and JSON listings of the processing units (`hetspec devices`), kept out of the CLI so the
// profile command and tests can reuse them.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "hetspec/engine/opencl/devices.hpp"

namespace hetspec::ocl {

std::string format_bytes(uint64_t b);  // "512 KiB", "22.5 GiB"
std::string format_devices(const CpuInfo& cpu, const ClDiscovery& cl);
nlohmann::json devices_json(const CpuInfo& cpu, const ClDiscovery& cl);

}  // namespace hetspec::ocl
