/*
 * Sanitizer options for every unit-test binary, built in: ctest cannot hand a list-valued ENVIRONMENT to the tests
 * gtest_discover_tests creates (only its first entry arrives), so the options and the suppressions file that the
 * end-to-end tests get from the environment come from here instead.
 */
const char *__asan_default_options(void);
const char *__lsan_default_options(void);
const char *__ubsan_default_options(void);

const char *__asan_default_options(void)
{
    return "detect_leaks=1:abort_on_error=0:strict_string_checks=1";
}

const char *__lsan_default_options(void)
{
    return "suppressions=" STS_LSAN_SUPPRESSIONS_FILE ":print_suppressions=0";
}

const char *__ubsan_default_options(void)
{
    return "print_stacktrace=1:halt_on_error=1";
}
