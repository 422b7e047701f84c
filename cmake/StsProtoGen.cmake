set(STS_GRPC_PROTO_DIR /usr/share/grpc-proto)

# sts_generate_test_proto(<target> PROTO <files relative to IMPORT_DIR>... IMPORT_DIR <dir> TABLE <symbol> OUT <name>)
# Runs protoc-c and protoc-gen-sts (one run over all the files, as the `gen` target does) on test protos at build
# time and builds the result as library <target>.
function(sts_generate_test_proto target)
  cmake_parse_arguments(ARG "" "IMPORT_DIR;TABLE;OUT" "PROTO" ${ARGN})
  set(out_dir ${CMAKE_CURRENT_BINARY_DIR}/${target}_gen)
  set(outputs ${out_dir}/${ARG_OUT}.c ${out_dir}/${ARG_OUT}.h ${out_dir}/${ARG_OUT}_descriptors.c)
  set(sources ${out_dir}/${ARG_OUT}.c ${out_dir}/${ARG_OUT}_descriptors.c)
  set(inputs)
  foreach(proto ${ARG_PROTO})
    string(REGEX REPLACE "\\.proto$" "" stem ${proto})
    list(APPEND outputs ${out_dir}/${stem}.pb-c.c ${out_dir}/${stem}.pb-c.h)
    list(APPEND sources ${out_dir}/${stem}.pb-c.c)
    list(APPEND inputs ${ARG_IMPORT_DIR}/${proto})
  endforeach()
  add_custom_command(
    OUTPUT ${outputs}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${out_dir}
    COMMAND protoc-c -I${ARG_IMPORT_DIR} -I${PROJECT_SOURCE_DIR}/proto -I/usr/include --c_out=${out_dir} ${ARG_PROTO}
    COMMAND protoc -I${ARG_IMPORT_DIR} -I${PROJECT_SOURCE_DIR}/proto -I/usr/include
            --plugin=protoc-gen-sts=$<TARGET_FILE:protoc-gen-sts>
            --sts_out=table=${ARG_TABLE},out=${ARG_OUT}:${out_dir} ${ARG_PROTO}
    DEPENDS ${inputs} protoc-gen-sts
    VERBATIM)
  add_library(${target} STATIC ${sources} ${PROJECT_SOURCE_DIR}/tests/proto/test_handlers.c)
  target_include_directories(${target} PUBLIC ${out_dir} ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(${target} PUBLIC sts_proto)
  target_compile_options(${target} PRIVATE -w)
endfunction()
