// From a swept Plan (PUs are indices into a Profile) to the engine's runners: each PU the plan uses
// is bound to an engine device ("cpu", "cl:N") — its `engine:` field, or its own id in a measured
// profile — and each placement becomes a device plan (layer ranges + head) with the PU's threads.
// Spec-sheet PUs have no device: running them is an error naming the PU. Without a profile, the
// machine's own devices (the CPU and every OpenCL device, ids as `hetspec devices` prints) serve.
#pragma once
#include <string>

#include "hetspec/engine/runner/runner_factory.hpp"
#include "hetspec/plan/plan.hpp"
#include "hetspec/profile/profile.hpp"

namespace hetspec {

// The engine id of profile PU `i`; throws Error("<profile>: pus[<id>]", ...) when it has none.
std::string engine_id(const Profile& prof, int i);
// A placement as a runner spec (n_layers: the model's, or K of a self:K draft).
RunnerSpec bind_placement(const ModelPlacement& p, const Plan& plan, const Profile& prof, int n_layers);
// Checks every PU the plan uses can run here (devices present) before any model is loaded.
void check_plan_runnable(const Plan& plan, const Profile& prof);
// This machine as a profile of bindings only (no costs): PU "cpu" and "cl:N" for each OpenCL device.
Profile machine_profile();

}  // namespace hetspec
