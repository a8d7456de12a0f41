#pragma once
// Genotype = one choice index per searchable position, into that position's
// allowed list. Decode, encode, sample, mutate, crossover, size, enumerate.
#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "hwnas/space/space.h"

namespace hwnas {

using Genotype = std::vector<int>;
using Rng = std::mt19937_64;

/// A generator that depends only on (seed, index, purpose): the draws of a
/// step or a sample are the same in a resumed run and on every rank.
Rng seeded_rng(std::uint64_t seed, std::int64_t index, std::uint32_t purpose);

/// Throws InputError when the genotype's length or an index does not fit the space.
void check_genotype(const Space& space, const Genotype& g);

Arch decode(const Space& space, const Genotype& g);
/// decode() into an existing Arch, reusing its storage (the search hot path).
/// `g` must be valid (see check_genotype).
void decode_into(const Space& space, const Genotype& g, Arch& out);
/// The genotype of an arch of this space; throws InputError naming the first
/// layer that matches neither the fixed layer nor any allowed candidate.
Genotype encode(const Space& space, const Arch& arch);

Genotype sample(const Space& space, Rng& rng);
/// Each position is re-drawn to a different choice with probability `prob`;
/// at least one position changes when any position has two or more choices.
Genotype mutate(const Space& space, const Genotype& g, double prob, Rng& rng);
/// Uniform crossover: each position from either parent with probability 1/2.
Genotype crossover(const Genotype& a, const Genotype& b, Rng& rng);

/// Exact number of architectures, as a decimal string.
std::string space_size(const Space& space);
double space_size_log10(const Space& space);
/// Calls `visit` on every genotype in order; throws InputError when the space
/// holds more than `limit` architectures. `visit` returns false to stop.
void enumerate(const Space& space, const std::function<bool(const Genotype&)>& visit,
               std::uint64_t limit = 10'000'000);

/// "1,0,3" -> {1, 0, 3}; throws InputError (place: `what`) on anything else.
Genotype parse_genotype(const std::string& text, const std::string& what = "--genotype");
std::string format_genotype(const Genotype& g);

/// A genotype as a user writes it for `space`: "1,0,3"; the ops code, one
/// digit per position ("334131" for NAS-Bench-201, HW-NAS-Bench's 22 digits
/// for fbnet-c100), in spaces of at most 10 choices per position; or
/// NAS-Bench-201's arch string "|nor_conv_3x3~0|+|...|". Checked against the
/// space.
Genotype parse_genotype(const Space& space, const std::string& text,
                        const std::string& what = "--genotype");
/// The space's external form of `g` (NAS-Bench-201's arch string), or "".
std::string external_genotype(const Space& space, const Genotype& g);

}  // namespace hwnas
