// xxHash (Debian: libxxhash-dev): XXH3, 128 bits, for the hashes of a build's output files.
#include <xxhash.h>
