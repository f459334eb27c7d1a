#include <catch2/catch.hpp>

#include <fstream>
#include <iterator>
#include <random>
#include <vector>

#include "models/loom/bitplane.h"
#include "platform/npy.h"

using namespace loomvp;

namespace {

std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

std::string data(const std::string& name) { return std::string(LOOMVP_TEST_DATA) + "/bitplane/" + name; }

}  // namespace

TEST_CASE("bit-plane activations match the Python packer byte for byte and unpack back") {
  struct Case { const char* name; uint32_t c, h, w, prec; bool is_signed; };
  const Case cases[] = {{"act_c19_h3_w2_p5_unsigned", 19, 3, 2, 5, false},
                        {"act_c16_h1_w1_p16_signed", 16, 1, 1, 16, true},
                        {"act_c35_h2_w3_p7_signed", 35, 2, 3, 7, true}};
  for (const Case& k : cases) {
    INFO(k.name);
    const NpyArray array = read_npy(data(std::string(k.name) + ".npy"));
    const std::vector<uint8_t> golden = read_bytes(data(std::string(k.name) + ".bin"));
    const std::vector<int32_t> values(array.values.begin(), array.values.end());
    REQUIRE(golden.size() == bitplane::activation_bytes(k.c, k.h, k.w, k.prec));
    std::vector<uint8_t> packed(golden.size());
    bitplane::pack_activations(values.data(), k.c, k.h, k.w, k.prec, packed.data());
    CHECK(packed == golden);
    std::vector<int32_t> back(values.size());
    bitplane::unpack_activations(golden.data(), k.c, k.h, k.w, k.prec, k.is_signed, back.data());
    CHECK(back == values);
  }
}

TEST_CASE("bit-plane weights match the Python packer and round-trip") {
  const NpyArray array = read_npy(data("weight_f3_c7_k3x2_p9.npy"));
  const std::vector<uint8_t> golden = read_bytes(data("weight_f3_c7_k3x2_p9.bin"));
  const std::vector<int16_t> values(array.values.begin(), array.values.end());
  std::vector<uint8_t> packed(bitplane::weight_bytes(3, 7, 3, 2, 9));
  REQUIRE(packed.size() == golden.size());
  bitplane::pack_weights(values.data(), 3, 7, 3, 2, 9, packed.data());
  CHECK(packed == golden);
  std::vector<int16_t> back(values.size());
  bitplane::unpack_weights(golden.data(), 3, 7, 3, 2, 9, back.data());
  CHECK(back == values);
  // Channels last: value (f, c, ky, kx) of the F x C x KH x KW file at (f, ky, kx, c).
  bitplane::unpack_weights_channels_last(golden.data(), 3, 7, 3, 2, 9, back.data());
  uint64_t moved = 0;
  for (uint32_t f = 0; f < 3; ++f)
    for (uint32_t c = 0; c < 7; ++c)
      for (uint32_t ky = 0; ky < 3; ++ky)
        for (uint32_t kx = 0; kx < 2; ++kx)
          moved += back[((f * 3 + ky) * 2 + kx) * 7 + c] != values[((f * 7 + c) * 3 + ky) * 2 + kx];
  CHECK(moved == 0);
}

TEST_CASE("bit-plane round trip on random tensors of every precision") {
  std::mt19937 rng(7);
  for (uint32_t prec = 1; prec <= 16; ++prec)
    for (bool is_signed : {false, true}) {
      const uint32_t c = 1 + rng() % 40, h = 1 + rng() % 4, w = 1 + rng() % 4;
      std::uniform_int_distribution<int32_t> dist(static_cast<int32_t>(bitplane::min_value(prec, is_signed)),
                                                  static_cast<int32_t>(bitplane::max_value(prec, is_signed)));
      std::vector<int32_t> values(uint64_t{c} * h * w);
      for (auto& v : values) v = dist(rng);
      std::vector<uint8_t> packed(bitplane::activation_bytes(c, h, w, prec));
      bitplane::pack_activations(values.data(), c, h, w, prec, packed.data());
      std::vector<int32_t> back(values.size());
      bitplane::unpack_activations(packed.data(), c, h, w, prec, is_signed, back.data());
      INFO("prec " << prec << " signed " << is_signed << " c " << c);
      CHECK(back == values);
    }
}

TEST_CASE("bit-plane weights unpack channels last at every precision - whole and partial bricks") {
  std::mt19937 rng(11);
  for (uint32_t prec = 1; prec <= 16; ++prec) {
    const uint32_t f = 1 + rng() % 5, cg = 1 + rng() % 50, kh = 1 + rng() % 3, kw = 1 + rng() % 3;
    std::uniform_int_distribution<int32_t> dist(static_cast<int32_t>(bitplane::min_value(prec, true)),
                                                static_cast<int32_t>(bitplane::max_value(prec, true)));
    std::vector<int16_t> values(uint64_t{f} * cg * kh * kw);
    for (auto& v : values) v = static_cast<int16_t>(dist(rng));
    values[0] = static_cast<int16_t>(bitplane::min_value(prec, true));  // the extremes, always
    values.back() = static_cast<int16_t>(bitplane::max_value(prec, true));
    std::vector<uint8_t> packed(bitplane::weight_bytes(f, cg, kh, kw, prec));
    bitplane::pack_weights(values.data(), f, cg, kh, kw, prec, packed.data());
    std::vector<int16_t> back(values.size());
    bitplane::unpack_weights_channels_last(packed.data(), f, cg, kh, kw, prec, back.data());
    uint64_t wrong = 0;
    for (uint32_t i = 0; i < f; ++i)
      for (uint32_t c = 0; c < cg; ++c)
        for (uint32_t k = 0; k < kh * kw; ++k)
          wrong += back[(uint64_t{i} * kh * kw + k) * cg + c] != values[(uint64_t{i} * cg + c) * kh * kw + k];
    INFO("prec " << prec << " cg " << cg);
    CHECK(wrong == 0);
  }
}

TEST_CASE("bit-plane layout: plane p of a brick holds bit p of 16 consecutive channels") {
  // Hand-built: 17 channels at one position, P = 2. Channel i has value i % 4.
  std::vector<int32_t> values(17);
  for (int i = 0; i < 17; ++i) values[i] = i % 4;
  std::vector<uint8_t> packed(bitplane::activation_bytes(17, 1, 1, 2));
  REQUIRE(packed.size() == 8);  // 2 bricks x 2 planes x 2 bytes
  bitplane::pack_activations(values.data(), 17, 1, 1, 2, packed.data());
  // Brick 0: bit 0 set for channels 1,3,5,...,15 -> 0xAAAA; bit 1 for 2,3,6,7,... -> 0xCCCC.
  CHECK(packed[0] == 0xAA);
  CHECK(packed[1] == 0xAA);
  CHECK(packed[2] == 0xCC);
  CHECK(packed[3] == 0xCC);
  // Brick 1: only channel 16 (value 0).
  CHECK(packed[4] == 0);
  CHECK(packed[6] == 0);
  CHECK(bitplane::weight_bytes(96, 3, 11, 11, 9) == 96ull * 121 * 1 * 9 * 2);
}
