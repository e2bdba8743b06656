# The addon's one target. node-gyp builds it in native/build/VARIANT (one folder per libtorch), whose
# binding.gyp, written by find-libtorch.mjs, includes this file and sets the libtorch_* variables.
{
  "targets": [
    {
      "target_name": "linewise",
      "sources": ["addon.cc", "allocator.cc", "convert.cc", "dispatch.cc", "distributed.cc", "errors.cc", "handle.cc", "natives.cc"],
      "include_dirs": ["<(napi_include)", "<@(libtorch_include)", "<@(distributed_include)"],
      "libraries": [
        "-L<(libtorch_libdir)",
        "-Wl,-rpath,<(libtorch_libdir)",
        "-Wl,--no-as-needed",
        "<@(libtorch_libs)",
        "-Wl,--as-needed"
      ],
      "defines": ["LINEWISE_DISTRIBUTED=<(distributed)", "NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "_GLIBCXX_USE_CXX11_ABI=<(cxx11_abi)"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++14", "-std=gnu++17", "-std=gnu++20"],
      "cflags_cc": ["-std=<(cxx_std)", "-fexceptions", "-frtti", "-O2", "-Wno-unused-parameter", "-Wno-deprecated-declarations"]
    }
  ]
}
