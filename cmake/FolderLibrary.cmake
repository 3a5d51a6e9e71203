# One static library per source folder of core/, server/ and client/, its sources listed (a new
# file is added on purpose) and its links naming the folders it uses, so the dependencies between
# folders show in CMake:
#   itaclip_folder_library(NAME [FOLDER dir] SOURCES a.cc b.cc... [LINKS targets...])
# Sources are relative to FOLDER under the calling CMakeLists.txt's folder (the folder itself when
# FOLDER is left out). Files ending in _cuda.cc / _nocuda.cc are alternatives: exactly one of each
# pair is built, depending on LibTorch's CUDA. The sources that reach a LibTorch header get the
# shared precompiled header (TorchPch.cmake).
function(itaclip_folder_library name)
  cmake_parse_arguments(ARG "" "FOLDER" "SOURCES;LINKS" ${ARGN})
  set(sources ${ARG_SOURCES})
  if(ITACLIP_TORCH_HAS_CUDA)
    list(FILTER sources EXCLUDE REGEX "_nocuda\\.cc$")
  else()
    list(FILTER sources EXCLUDE REGEX "_cuda\\.cc$")
  endif()
  set(dir ${CMAKE_CURRENT_SOURCE_DIR})
  if(ARG_FOLDER)
    set(dir ${dir}/${ARG_FOLDER})
  endif()
  list(TRANSFORM sources PREPEND ${dir}/)
  add_library(${name} STATIC ${sources})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(${name} PUBLIC ${ARG_LINKS} PRIVATE itaclip_warnings)
  itaclip_use_torch_pch(${name})
endfunction()
