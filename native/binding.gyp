{
  "targets": [
    {
      "target_name": "linewise",
      "sources": ["addon.cc", "convert.cc", "dispatch.cc", "errors.cc", "handle.cc", "natives.cc"],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "<!@(node find-libtorch.mjs include)"
      ],
      "libraries": [
        "-L<!(node find-libtorch.mjs libdir)",
        "-Wl,-rpath,<!(node find-libtorch.mjs libdir)",
        "-Wl,--no-as-needed",
        "<!@(node find-libtorch.mjs libs)",
        "-Wl,--as-needed"
      ],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++14", "-std=gnu++17"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-frtti", "-O2", "-Wno-unused-parameter", "-Wno-deprecated-declarations"]
    }
  ]
}
