// Every OpenCL call is checked (CLBlast's CheckError): a failure throws hetspec::Error naming the call
// as written in the source, the error's symbolic name (CL_INVALID_...), the device, and file:line,
// so "it returned -5 somewhere" never reaches a user. Program build failures also carry the build log.
#pragma once
#ifndef CL_TARGET_OPENCL_VERSION
#define CL_TARGET_OPENCL_VERSION 120
#endif
#include <CL/cl.h>

#include <string>

namespace hetspec::ocl {

// "CL_INVALID_VALUE" for -30; "CL_PLATFORM_NOT_FOUND_KHR" for -1001; "error -77" if unknown.
const char* cl_error_name(cl_int err);

// Throws Error("<device>: <file>:<line>", "<call> failed: <name> (<code>)") unless err == CL_SUCCESS.
void check_cl(cl_int err, const char* call, const std::string& device, const char* file, int line);

}  // namespace hetspec::ocl

// HS_CL_CHECK(device_label, clFinish(q)); the label expression is evaluated only on failure (the
// launch path checks ~12 calls per kernel: building those strings eagerly cost microseconds).
#define HS_CL_CHECK(dev, call)                                                                 \
  ([&]() {                                                                                     \
    const cl_int hs_e = (call);                                                                \
    if (hs_e != CL_SUCCESS) ::hetspec::ocl::check_cl(hs_e, #call, (dev), __FILE__, __LINE__); \
  }())
// For calls reporting through an errcode_ret pointer: name it hs_err inside the call.
//   cl_mem m = HS_CL_RET(dev, clCreateBuffer(ctx, flags, n, nullptr, &hs_err));
#define HS_CL_RET(dev, call)                                                   \
  ([&]() {                                                                     \
    cl_int hs_err = CL_SUCCESS;                                                \
    auto hs_ret = (call);                                                      \
    if (hs_err != CL_SUCCESS)                                                  \
      ::hetspec::ocl::check_cl(hs_err, #call, (dev), __FILE__, __LINE__);      \
    return hs_ret;                                                             \
  }())
