// Byte storage allocated in pages on first write, so a 1 GiB DRAM costs host
// memory only for the pages a run actually touches. Unwritten bytes read 0.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

namespace loomvp {

class SparseStorage {
 public:
  static constexpr uint64_t kPageBytes = 64 * 1024;

  explicit SparseStorage(uint64_t size_bytes);

  uint64_t size_bytes() const { return size_bytes_; }
  bool contains(uint64_t address, uint64_t length) const {
    return address <= size_bytes_ && length <= size_bytes_ - address;
  }
  // Callers check `contains` first; these do not range-check.
  void read(uint64_t address, uint8_t* dst, uint64_t length) const;
  void write(uint64_t address, const uint8_t* src, uint64_t length);
  // The page holding `address`, allocated if needed (for DMI).
  uint8_t* page(uint64_t address);
  uint64_t allocated_bytes() const { return allocated_pages_ * kPageBytes; }

 private:
  uint64_t size_bytes_;
  uint64_t allocated_pages_ = 0;
  std::vector<std::unique_ptr<uint8_t[]>> pages_;
};

}  // namespace loomvp
