#include "hetspec/engine/opencl/cl_check.hpp"

#include "hetspec/core/error.hpp"

namespace hetspec::ocl {

const char* cl_error_name(cl_int err) {
  switch (err) {
#define HS_E(x) case x: return #x;
    HS_E(CL_SUCCESS)
    HS_E(CL_DEVICE_NOT_FOUND)
    HS_E(CL_DEVICE_NOT_AVAILABLE)
    HS_E(CL_COMPILER_NOT_AVAILABLE)
    HS_E(CL_MEM_OBJECT_ALLOCATION_FAILURE)
    HS_E(CL_OUT_OF_RESOURCES)
    HS_E(CL_OUT_OF_HOST_MEMORY)
    HS_E(CL_PROFILING_INFO_NOT_AVAILABLE)
    HS_E(CL_MEM_COPY_OVERLAP)
    HS_E(CL_IMAGE_FORMAT_MISMATCH)
    HS_E(CL_IMAGE_FORMAT_NOT_SUPPORTED)
    HS_E(CL_BUILD_PROGRAM_FAILURE)
    HS_E(CL_MAP_FAILURE)
    HS_E(CL_MISALIGNED_SUB_BUFFER_OFFSET)
    HS_E(CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST)
    HS_E(CL_COMPILE_PROGRAM_FAILURE)
    HS_E(CL_LINKER_NOT_AVAILABLE)
    HS_E(CL_LINK_PROGRAM_FAILURE)
    HS_E(CL_DEVICE_PARTITION_FAILED)
    HS_E(CL_KERNEL_ARG_INFO_NOT_AVAILABLE)
    HS_E(CL_INVALID_VALUE)
    HS_E(CL_INVALID_DEVICE_TYPE)
    HS_E(CL_INVALID_PLATFORM)
    HS_E(CL_INVALID_DEVICE)
    HS_E(CL_INVALID_CONTEXT)
    HS_E(CL_INVALID_QUEUE_PROPERTIES)
    HS_E(CL_INVALID_COMMAND_QUEUE)
    HS_E(CL_INVALID_HOST_PTR)
    HS_E(CL_INVALID_MEM_OBJECT)
    HS_E(CL_INVALID_IMAGE_FORMAT_DESCRIPTOR)
    HS_E(CL_INVALID_IMAGE_SIZE)
    HS_E(CL_INVALID_SAMPLER)
    HS_E(CL_INVALID_BINARY)
    HS_E(CL_INVALID_BUILD_OPTIONS)
    HS_E(CL_INVALID_PROGRAM)
    HS_E(CL_INVALID_PROGRAM_EXECUTABLE)
    HS_E(CL_INVALID_KERNEL_NAME)
    HS_E(CL_INVALID_KERNEL_DEFINITION)
    HS_E(CL_INVALID_KERNEL)
    HS_E(CL_INVALID_ARG_INDEX)
    HS_E(CL_INVALID_ARG_VALUE)
    HS_E(CL_INVALID_ARG_SIZE)
    HS_E(CL_INVALID_KERNEL_ARGS)
    HS_E(CL_INVALID_WORK_DIMENSION)
    HS_E(CL_INVALID_WORK_GROUP_SIZE)
    HS_E(CL_INVALID_WORK_ITEM_SIZE)
    HS_E(CL_INVALID_GLOBAL_OFFSET)
    HS_E(CL_INVALID_EVENT_WAIT_LIST)
    HS_E(CL_INVALID_EVENT)
    HS_E(CL_INVALID_OPERATION)
    HS_E(CL_INVALID_GL_OBJECT)
    HS_E(CL_INVALID_BUFFER_SIZE)
    HS_E(CL_INVALID_MIP_LEVEL)
    HS_E(CL_INVALID_GLOBAL_WORK_SIZE)
    HS_E(CL_INVALID_PROPERTY)
    HS_E(CL_INVALID_IMAGE_DESCRIPTOR)
    HS_E(CL_INVALID_COMPILER_OPTIONS)
    HS_E(CL_INVALID_LINKER_OPTIONS)
    HS_E(CL_INVALID_DEVICE_PARTITION_COUNT)
#undef HS_E
    case -1001: return "CL_PLATFORM_NOT_FOUND_KHR";
    default: break;
  }
  static thread_local std::string unknown;
  unknown = "error " + std::to_string(err);
  return unknown.c_str();
}

void check_cl(cl_int err, const char* call, const std::string& device, const char* file, int line) {
  if (err == CL_SUCCESS) return;
  std::string f = file;
  if (auto p = f.rfind("/src/"); p != std::string::npos) f = f.substr(p + 1);
  std::string where = (device.empty() ? std::string("OpenCL") : device) + ": " + f + ":" + std::to_string(line);
  throw Error(where, std::string(call) + " failed: " + cl_error_name(err) + " (" + std::to_string(err) + ")");
}

}  // namespace hetspec::ocl
