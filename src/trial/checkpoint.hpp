// Private: saving a replicate's progress so that an interrupted trial can be resumed.
//
// A checkpoint holds a replicate's screened candidates and the patients already treated, with the spec's hash,
// the seed and the patient count, so that it is only ever resumed by the same trial. Because every random number
// is a function of (seed, replicate, candidate), a resumed run gives bit-for-bit what an uninterrupted one gives.
#pragma once

#include <optional>
#include <string>

#include "tolsim/trial/runner.hpp"

namespace tolsim::trial::detail {

struct CheckpointKey {
  std::string spec_hash;
  unsigned long long seed = 0;
  int patients = 0;
};

// Writes (atomically) dir/replicate-<r>.json.
void save_checkpoint(const std::string& dir, const CheckpointKey& key, const ReplicateResult& replicate);

// Reads dir/replicate-<r>.json if it exists. Throws UsageError when it belongs to another spec, seed or size.
std::optional<ReplicateResult> load_checkpoint(const std::string& dir, const CheckpointKey& key,
                                               int replicate);

// FNV-1a 64 of a text, as "fnv1a64:<hex>".
std::string text_hash(const std::string& text);

}  // namespace tolsim::trial::detail
