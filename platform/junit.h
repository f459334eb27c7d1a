// JUnit XML for CI systems (--junit FILE.xml): one test case per layer check
// plus one for the firmware run, so a CI server shows each layer natively.
#pragma once

#include <string>

#include "platform/runner.h"

namespace loomvp {

std::string junit_xml(const RunResult& result);

}  // namespace loomvp
