// A host buffer reused from one use to the next: grown when a use needs
// more, never shrunk or zero-filled (a fresh zero-filled allocation per
// use costs page faults on every large one). Users write what they read.
#pragma once

#include <cstdint>
#include <memory>

namespace loomvp {

template <typename T>
class ScratchBuffer {
 public:
  T* get(uint64_t count) {
    if (count > capacity_) {
      data_.reset(new T[count]);
      capacity_ = count;
    }
    return data_.get();
  }

 private:
  std::unique_ptr<T[]> data_;
  uint64_t capacity_ = 0;
};

}  // namespace loomvp
