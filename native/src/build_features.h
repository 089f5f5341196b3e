/*
 * build_features.h - what a build of the core includes. Every build has everything but one:
 * the lean WebAssembly module (walloc.wasm; wasm-emscripten/build.sh) leaves out checked mode and
 * allocation profiles, which its host finds in the diagnostics module (walloc-diag.wasm) when
 * asked for them. Left out, no instance has the feature, a config that asks for it is invalid
 * (walloc_config_validate), and its code compiles away.
 */
#ifndef WALLOC_BUILD_FEATURES_H
#define WALLOC_BUILD_FEATURES_H

#ifndef WALLOC_CHECKED
#define WALLOC_CHECKED 1
#endif

#ifndef WALLOC_PROFILES
#define WALLOC_PROFILES 1
#endif

#endif
