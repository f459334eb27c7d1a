#include "sparse_storage.h"

#include <algorithm>
#include <cstring>

namespace loomvp {

SparseStorage::SparseStorage(uint64_t size_bytes)
    : size_bytes_(size_bytes), pages_((size_bytes + kPageBytes - 1) / kPageBytes) {}

void SparseStorage::read(uint64_t address, uint8_t* dst, uint64_t length) const {
  while (length > 0) {
    const uint64_t index = address / kPageBytes, offset = address % kPageBytes;
    const uint64_t chunk = std::min(length, kPageBytes - offset);
    if (pages_[index])
      std::memcpy(dst, pages_[index].get() + offset, chunk);
    else
      std::memset(dst, 0, chunk);
    address += chunk;
    dst += chunk;
    length -= chunk;
  }
}

void SparseStorage::write(uint64_t address, const uint8_t* src, uint64_t length) {
  while (length > 0) {
    const uint64_t offset = address % kPageBytes;
    const uint64_t chunk = std::min(length, kPageBytes - offset);
    std::memcpy(page(address) + offset, src, chunk);
    address += chunk;
    src += chunk;
    length -= chunk;
  }
}

uint8_t* SparseStorage::page(uint64_t address) {
  auto& slot = pages_[address / kPageBytes];
  if (!slot) {
    slot.reset(new uint8_t[kPageBytes]());  // zero-filled
    ++allocated_pages_;
  }
  return slot.get();
}

}  // namespace loomvp
