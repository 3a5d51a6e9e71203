# LibTorch's headers are most of this project's build time: <ATen/ATen.h> costs about 11 s of one
# core per file that includes it, against about 2 s with a precompiled header. One precompiled
# header (itaclip_torch_pch) is built once and reused by every target; each source that reaches a
# LibTorch header (directly or through the project's own headers, scanned below) gets it, and the
# others are left without it (loading the 370 MB header would cost them 2 s for nothing).

add_library(itaclip_torch_pch STATIC ${CMAKE_CURRENT_LIST_DIR}/torch_pch.cc)
target_link_libraries(itaclip_torch_pch PUBLIC torch)
target_precompile_headers(itaclip_torch_pch PRIVATE <ATen/ATen.h>)

# Sets ${out} to TRUE when `file` includes a LibTorch header, directly or through the project's
# own headers ("core/...", "server/...": paths relative to the source root). Memoised per file.
function(_itaclip_reaches_torch file out)
  get_property(known GLOBAL PROPERTY "itaclip_torch_scan:${file}" SET)
  if(known)
    get_property(result GLOBAL PROPERTY "itaclip_torch_scan:${file}")
    set(${out} ${result} PARENT_SCOPE)
    return()
  endif()
  # Provisionally FALSE, so that an include cycle ends.
  set_property(GLOBAL PROPERTY "itaclip_torch_scan:${file}" FALSE)
  set(result FALSE)
  file(STRINGS "${file}" includes REGEX "^#include [<\"]")
  foreach(line IN LISTS includes)
    if(line MATCHES "^#include <(ATen|torch|c10)/")
      set(result TRUE)
      break()
    elseif(line MATCHES "^#include \"([^\"]+)\"")
      # (Arguments are expanded before if() matches: test the path in a second step.)
      set(header "${PROJECT_SOURCE_DIR}/${CMAKE_MATCH_1}")
      if(EXISTS "${header}")
        _itaclip_reaches_torch("${header}" included)
        if(included)
          set(result TRUE)
          break()
        endif()
      endif()
    endif()
  endforeach()
  set_property(GLOBAL PROPERTY "itaclip_torch_scan:${file}" ${result})
  set(${out} ${result} PARENT_SCOPE)
endfunction()

# Gives `target`'s LibTorch sources the shared precompiled header. Call it in the folder that
# creates the target (source properties are per folder).
function(itaclip_use_torch_pch target)
  get_target_property(sources ${target} SOURCES)
  get_target_property(source_dir ${target} SOURCE_DIR)
  set(any FALSE)
  foreach(source IN LISTS sources)
    get_filename_component(path "${source}" ABSOLUTE BASE_DIR "${source_dir}")
    _itaclip_reaches_torch("${path}" torchy)
    if(torchy)
      set(any TRUE)
    else()
      set_source_files_properties("${source}" PROPERTIES SKIP_PRECOMPILE_HEADERS ON)
    endif()
  endforeach()
  if(any)
    target_precompile_headers(${target} REUSE_FROM itaclip_torch_pch)
  endif()
endfunction()
