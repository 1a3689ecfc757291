// jemalloc (Debian: libjemalloc-dev) replaces the C library's malloc for the whole process once
// linked; only its control function is declared here (jemalloc.h would redeclare malloc).
#include <stddef.h>
int mallctl(const char *name, void *oldp, size_t *oldlenp, void *newp, size_t newlen);
