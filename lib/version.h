/* The OCI runtime-spec version berth implements: in state.json, features, `spec`, the seccomp
 * listener's state and --version. berth's own version is PACKAGE_VERSION, from AC_INIT in
 * configure.ac. */
#pragma once

#define OCI_SPEC_VERSION "1.3.0"
